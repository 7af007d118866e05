// The parts of the post-login api most Actions never touch — SAML
// response settings, sessions, refresh tokens, transaction metadata,
// groups and roles — loaded the first time a script reaches for one of
// them (see `lazy` in post-login-api.js). Same checks, messages and
// records as the facade.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const {
    JSONStringify, ObjectKeys, ArrayIsArray, ArrayPrototypePush, ArrayPrototypeIndexOf,
    RegExpPrototypeTest, NumberIsFinite, NumberIsInteger, NumberIsSafeInteger, Error, TypeError, RangeError,
  } = p;
  const { record, validate, str, utf8Bytes, deepClone, isPlainObject } = rt.apiParts;
  const MAX_SAML_BYTES = 102400;

  // Session and refresh-token metadata rules (Auth0's sessions library).
  function metadataError(metadata) {
    if (metadata === null || typeof metadata !== 'object' || ArrayIsArray(metadata)) return 'Metadata must be an object';
    const keys = ObjectKeys(metadata);
    if (keys.length > 25) return 'Metadata must not contain more than 25 entries';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = metadata[key];
      if (key.length > 255) return 'All metadata keys must be at most 255 characters long';
      if (p.StringPrototypeIncludes(key, '\x00')) return 'Metadata keys must not contain null bytes (\x00)';
      if (!RegExpPrototypeTest(/^[a-zA-Z0-9_-]{1,255}$/, key)) {
        return 'Metadata keys may only include letters, numbers, underscores, or hyphens';
      }
      if (typeof value === 'string') {
        if (value.length > 255) return 'All metadata values must be at most 255 characters long';
        if (p.StringPrototypeIncludes(value, '\x00')) return 'Metadata values must not contain null bytes (\x00)';
      }
    }
    return null;
  }

  function expiration(value, name) {
    if (!value) throw new Error('Either inactivity or absolute expiration time must be provided');
    validate({ type: 'object', properties: { [name]: { type: 'number' } } }, { [name]: value });
  }

  // builders[name]() makes api[name]; they share this scope, as they
  // shared createPostLoginApi's.
  rt.buildPostLoginExtras = function (event, info, api, snapshots) {
    const builders = {};
    builders.samlResponse = () => {
      const samlSchemas = {
        audience: str(2048), recipient: str(2048), createUpnClaim: { type: 'boolean' },
        passthroughClaimsWithNoMapping: { type: 'boolean' }, mapUnknownClaimsAsIs: { type: 'boolean' },
        mapIdentities: { type: 'boolean' },
        signatureAlgorithm: { type: 'string', enum: ['rsa-sha256', 'rsa-sha1'] },
        digestAlgorithm: { type: 'string', enum: ['sha256', 'sha1'] },
        destination: str(2048), lifetimeInSeconds: { type: 'number' }, signResponse: { type: 'boolean' },
        nameIdentifierFormat: str(512),
        nameIdentifierProbes: { type: 'array', maxItems: 10, items: str(512) },
        authnContextClassRef: str(512), signingCert: str(4096), includeAttributeNameFormat: { type: 'boolean' },
        typedAttributes: { type: 'boolean' }, encryptionCert: str(4096), encryptionPublicKey: str(4096),
        cert: str(4096), key: str(4096), RelayState: str(512), issuer: str(512),
        encryptionAlgorithm: { type: 'string', enum: ['aes256-gcm', 'aes256-cbc'] },
      };
      const samlAttributes = {};
      const saml = {
        setAttribute(attribute, value) {
          value ??= null;
          samlAttributes[attribute] = value;
          if (utf8Bytes(JSONStringify(samlAttributes)) > MAX_SAML_BYTES) {
            throw new Error(`The total size of the SAML attributes exceeds the limit of ${MAX_SAML_BYTES} bytes.`);
          }
          validate({
            type: 'object',
            required: ['attribute', 'value'],
            properties: {
              attribute: str(1024),
              value: { type: ['string', 'number', 'boolean', 'null', 'array'], maxLength: 2048, items: { type: ['string', 'number', 'boolean'], maxLength: 2048 } },
            },
          }, { attribute, value });
          record('samlResponse.setAttribute', [attribute, value]);
          return api;
        },
      };
      const setters = [
        ['setAudience', 'audience'], ['setRecipient', 'recipient'], ['setCreateUpnClaim', 'createUpnClaim'],
        ['setPassthroughClaimsWithNoMapping', 'passthroughClaimsWithNoMapping'],
        ['setMapUnknownClaimsAsIs', 'mapUnknownClaimsAsIs'], ['setMapIdentities', 'mapIdentities'],
        ['setSignatureAlgorithm', 'signatureAlgorithm'], ['setDigestAlgorithm', 'digestAlgorithm'],
        ['setDestination', 'destination'], ['setLifetimeInSeconds', 'lifetimeInSeconds'],
        ['setSignResponse', 'signResponse'], ['setNameIdentifierFormat', 'nameIdentifierFormat'],
        ['setNameIdentifierProbes', 'nameIdentifierProbes'], ['setAuthnContextClassRef', 'authnContextClassRef'],
        ['setSigningCert', 'signingCert'], ['setIncludeAttributeNameFormat', 'includeAttributeNameFormat'],
        ['setTypedAttributes', 'typedAttributes'], ['setEncryptionCert', 'encryptionCert'],
        ['setEncryptionPublicKey', 'encryptionPublicKey'], ['setCert', 'cert'], ['setKey', 'key'],
        ['setRelayState', 'RelayState'], ['setIssuer', 'issuer'], ['setEncryptionAlgorithm', 'encryptionAlgorithm'],
      ];
      for (let i = 0; i < setters.length; i++) {
        const method = setters[i][0];
        const key = setters[i][1];
        saml[method] = function (value) {
          if (method === 'setNameIdentifierFormat' && value === undefined) {
            value = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
          }
          validate({ type: 'object', properties: { [key]: samlSchemas[key] } }, { [key]: value });
          record(`samlResponse.${method}`, [value]);
          return api;
        };
      }
      return saml;
    };

    // Session (Enterprise): metadata is validated as a whole and mirrored
    // into event.session, as the facade does.
    let sessionMetadata = snapshots.session;
    builders.session = () => ({
      setExpiresAt(absolute) {
        expiration(absolute, 'absolute');
        record('session.setExpiresAt', [absolute]);
      },
      setIdleExpiresAt(inactivity) {
        expiration(inactivity, 'inactivity');
        record('session.setIdleExpiresAt', [inactivity]);
      },
      revoke(reason, options) {
        validate({
          type: 'object',
          properties: {
            message: { type: 'string' },
            options: { type: 'object', additionalProperties: false, properties: { preserveRefreshTokens: { type: 'boolean' } } },
          },
        }, { message: reason, options });
        record('session.revoke', [reason, options]);
      },
      setCookieMode(mode) {
        if (!mode) throw new Error('Cookie mode must be provided');
        if (mode !== 'persistent' && mode !== 'non-persistent') {
          throw new Error(`Invalid cookie mode: ${mode}. Valid values are 'persistent' and 'non-persistent'.`);
        }
        record('session.setCookieMode', [mode]);
        if (isPlainObject(event.session) && ObjectKeys(event.session).length > 0) {
          event.session = { ...event.session, cookie: { ...event.session.cookie, mode } };
        }
      },
      setMetadata(key, value) {
        try {
          if (!event.session || sessionMetadata === undefined) {
            throw new Error('Cannot set metadata on a session that does not exist.');
          }
          if (typeof key !== 'string') throw new Error('Invalid metadata: Metadata key must be a string');
          if (value === null) {
            if (!(key in sessionMetadata)) return;
            delete sessionMetadata[key];
          } else {
            if (typeof value !== 'string') throw new Error('Invalid metadata: Metadata value must be a string');
            sessionMetadata[key] = value;
            const problem = metadataError(sessionMetadata);
            if (problem !== null) throw new Error(`Invalid metadata: ${problem}`);
          }
          event.session.metadata = deepClone(sessionMetadata);
          record('session.setMetadata', [sessionMetadata]);
        } catch (err) {
          throw new Error(`Failed to set session metadata: ${err.message}`);
        }
      },
      deleteMetadata(key) {
        if (!event.session || sessionMetadata === undefined) return;
        if (key in sessionMetadata) {
          delete sessionMetadata[key];
          event.session.metadata = deepClone(sessionMetadata);
          record('session.setMetadata', [sessionMetadata]);
        }
      },
      evictMetadata() {
        if (!event.session || sessionMetadata === undefined) return;
        sessionMetadata = {};
        event.session.metadata = {};
        record('session.setMetadata', [{}]);
      },
    });

    let refreshMetadata = snapshots.refresh;
    const online = (method) => {
      if (event.refresh_token && event.refresh_token.access === 'online') {
        throw new Error(`Cannot call ${method} on an online refresh token.`);
      }
    };
    builders.refreshToken = () => ({
      setExpiresAt(absolute) {
        online('setExpiresAt');
        expiration(absolute, 'absolute');
        record('refreshToken.setExpiresAt', [absolute]);
      },
      setIdleExpiresAt(inactivity) {
        online('setIdleExpiresAt');
        expiration(inactivity, 'inactivity');
        record('refreshToken.setIdleExpiresAt', [inactivity]);
      },
      revoke(reason) {
        validate({ type: 'object', properties: { message: str(1024) } }, { message: reason });
        record('refreshToken.revoke', [reason]);
      },
      setMetadata(key, value) {
        try {
          online('setMetadata');
          if (typeof key !== 'string') throw new Error('Invalid metadata: Metadata key must be a string');
          if (value === null) {
            if (!(key in refreshMetadata)) return;
            delete refreshMetadata[key];
          } else {
            if (typeof value !== 'string') throw new Error('Invalid metadata: Metadata value must be a string');
            refreshMetadata[key] = value;
            const problem = metadataError(refreshMetadata);
            if (problem !== null) throw new Error(`Invalid metadata: ${problem}`);
          }
          if (event.refresh_token) event.refresh_token.metadata = deepClone(refreshMetadata);
          record('refreshToken.setMetadata', [refreshMetadata]);
        } catch (err) {
          throw new Error(`Failed to set refresh token metadata: ${err.message}`);
        }
      },
      deleteMetadata(key) {
        online('deleteMetadata');
        if (ObjectKeys(refreshMetadata).length === 0) return;
        if (key in refreshMetadata) {
          delete refreshMetadata[key];
          if (event.refresh_token) event.refresh_token.metadata = deepClone(refreshMetadata);
          record('refreshToken.setMetadata', [refreshMetadata]);
        }
      },
      evictMetadata() {
        online('evictMetadata');
        if (ObjectKeys(refreshMetadata).length === 0) return;
        refreshMetadata = {};
        if (event.refresh_token) event.refresh_token.metadata = {};
        record('refreshToken.setMetadata', [{}]);
      },
    });

    // Transaction metadata: the facade passes calls through; the limits are
    // Auth0's documented ones (keys ≤ 64 characters, values ≤ 8 KB and a
    // string, number or boolean, ≤ 16 KB in all).
    const transactionMetadata = snapshots.transaction;
    const notImplemented = () => { throw new Error('Method not implemented.'); };
    builders.transaction = () => ({
      setMetadata(key, value) {
        if (typeof key !== 'string' || key.length === 0 || key.length > 64) {
          throw new Error('Transaction metadata keys must be non-empty strings of at most 64 characters.');
        }
        if (value === null) {
          delete transactionMetadata[key];
        } else {
          const type = typeof value;
          if (type !== 'string' && type !== 'number' && type !== 'boolean') {
            throw new TypeError('Transaction metadata values must be a string, a number or a boolean.');
          }
          if (type === 'number' && (!NumberIsFinite(value) || (NumberIsInteger(value) && !NumberIsSafeInteger(value)))) {
            throw new RangeError('Transaction metadata numbers must be finite and, when integers, safe integers.');
          }
          if (type === 'string' && utf8Bytes(value) > 8 * 1024) {
            throw new RangeError('Transaction metadata values must be at most 8 KB.');
          }
          const previous = transactionMetadata[key];
          transactionMetadata[key] = value;
          if (utf8Bytes(JSONStringify(transactionMetadata)) > 16 * 1024) {
            if (previous === undefined) delete transactionMetadata[key];
            else transactionMetadata[key] = previous;
            throw new RangeError('Transaction metadata must be at most 16 KB in all.');
          }
        }
        record('transaction.setMetadata', [key, value]);
        if (!event.transaction) event.transaction = {};
        event.transaction.metadata = { ...transactionMetadata };
      },
      addTargetScope: notImplemented,
      removeTargetScope: notImplemented,
      setTargetScopes: notImplemented,
      clearTargetScopes: notImplemented,
    });

    const userId = () => event.user && event.user.user_id;
    const organizationId = () => event.organization && event.organization.id;
    function paging(from, take) {
      if (from !== undefined && typeof from !== 'string') throw new Error('The "from" parameter must be a string if provided.');
      if (take !== undefined && !(typeof take === 'number' && NumberIsInteger(take) && take > 0)) {
        throw new Error('The "take" parameter must be a positive integer if provided.');
      }
    }
    function nonEmpty(value, name) {
      if (!ArrayIsArray(value) || value.length === 0) {
        throw new Error(`The "${name}" parameter must be a non-empty array of strings.`);
      }
    }
    const pick = (roles, field, wanted) => {
      const out = [];
      for (let i = 0; i < roles.length; i++) {
        if (ArrayPrototypeIndexOf(wanted, roles[i][field]) !== -1) ArrayPrototypePush(out, roles[i]);
      }
      return out;
    };
    const knownRoles = () => {
      const roles = (event.authorization && event.authorization.roles) || [];
      const out = [];
      for (let i = 0; i < roles.length; i++) {
        ArrayPrototypePush(out, { id: `rol_${i + 1}`, name: roles[i], type: organizationId() ? 'organization' : 'tenant' });
      }
      return out;
    };
    builders.groups = () => ({
      async getUserGroups({ from, take } = {}) {
        paging(from, take);
        record('groups.getUserGroups', [userId(), { from, take }]);
        return { groups: [] };
      },
      async hasGroupMembership(groups) {
        nonEmpty(groups, 'groups');
        record('groups.hasGroupMembership', [userId(), groups]);
        const memberships = {};
        for (let i = 0; i < groups.length; i++) memberships[groups[i]] = { is_member: false };
        return { memberships };
      },
    });
    builders.roles = () => ({
      async getUserEffectiveRoles({ from, take } = {}) {
        paging(from, take);
        record('roles.getUserEffectiveRoles', [userId(), organizationId(), { from, take }]);
        return { roles: knownRoles() };
      },
      async getUserEffectiveRolesByIds(ids) {
        nonEmpty(ids, 'ids');
        record('roles.getUserEffectiveRolesByIds', [userId(), organizationId(), ids]);
        return { roles: pick(knownRoles(), 'id', ids) };
      },
      async getUserEffectiveRolesByNames(names) {
        nonEmpty(names, 'names');
        record('roles.getUserEffectiveRolesByNames', [userId(), organizationId(), names]);
        return { roles: pick(knownRoles(), 'name', names) };
      },
    });
    return builders;
  };
})
