// The post-login `api` object. Each method checks its arguments the way
// Auth0's published facade (@auth0/actions, post-login v3) does — same
// order, same messages, same return values — and records one command
// through the host. What Auth0's server decides about those commands
// (claim policy, metadata merging, redirects) happens in Rust afterwards.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const {
    JSONStringify, ObjectKeys, ObjectCreate, ArrayIsArray, ArrayPrototypePush,
    ArrayPrototypeJoin, ArrayPrototypeIncludes, ArrayPrototypeIndexOf, StringPrototypeTrim,
    StringPrototypeCharCodeAt, RegExpPrototypeTest, NumberIsFinite, NumberIsInteger,
    NumberIsSafeInteger, MathFloor, MathMin, DateNow, Error, TypeError, RangeError,
    StringPrototypeSplit,
  } = p;

  // --- recording ---------------------------------------------------------

  function json(value) {
    const text = JSONStringify(value);
    return text === undefined ? 'null' : text;
  }

  function record(call, args) {
    let text = '[';
    for (let i = 0; i < args.length; i++) text += (i === 0 ? '' : ',') + json(args[i]);
    host.record(call, text + ']');
  }

  // --- validation in the format of Auth0's generated validators -----------

  // Length in Unicode code points, as the validators count.
  function codePoints(str) {
    let n = 0;
    for (let i = 0; i < str.length; i++) {
      const c = StringPrototypeCharCodeAt(str, i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length) {
        const d = StringPrototypeCharCodeAt(str, i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) i++;
      }
      n++;
    }
    return n;
  }

  function utf8Bytes(str) {
    let n = 0;
    for (let i = 0; i < str.length; i++) {
      const c = StringPrototypeCharCodeAt(str, i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && i + 1 < str.length &&
        StringPrototypeCharCodeAt(str, i + 1) >= 0xdc00 && StringPrototypeCharCodeAt(str, i + 1) <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  function isPlainObject(value) {
    return value !== null && typeof value === 'object' && !ArrayIsArray(value);
  }

  function typeOk(type, value) {
    switch (type) {
      case 'string': return typeof value === 'string';
      case 'number': return typeof value === 'number' && NumberIsFinite(value);
      case 'boolean': return typeof value === 'boolean';
      case 'null': return value === null;
      case 'array': return ArrayIsArray(value);
      case 'object': return isPlainObject(value);
      default: return true;
    }
  }

  // Checks `value` against a small schema, collecting errors in the order
  // the generated validators report them.
  function check(schema, value, path, errors) {
    const types = ArrayIsArray(schema.type) ? schema.type : (schema.type === undefined ? [] : [schema.type]);
    if (types.length > 0) {
      let ok = false;
      for (let i = 0; i < types.length; i++) if (typeOk(types[i], value)) ok = true;
      if (!ok) {
        ArrayPrototypePush(errors, { path, message: `must be ${ArrayPrototypeJoin(types, ',')}` });
        return;
      }
    }
    if (schema.enum !== undefined && !ArrayPrototypeIncludes(schema.enum, value)) {
      ArrayPrototypePush(errors, { path, message: 'must be equal to one of the allowed values' });
    }
    if (typeof value === 'string') {
      const len = codePoints(value);
      if (schema.maxLength !== undefined && len > schema.maxLength) {
        ArrayPrototypePush(errors, { path, message: `must NOT have more than ${schema.maxLength} characters` });
      }
      if (schema.minLength !== undefined && len < schema.minLength) {
        ArrayPrototypePush(errors, { path, message: `must NOT have fewer than ${schema.minLength} characters` });
      }
      if (schema.pattern !== undefined && !RegExpPrototypeTest(schema.pattern, value)) {
        ArrayPrototypePush(errors, { path, message: `must match pattern "${schema.patternText}"` });
      }
    }
    if (ArrayIsArray(value)) {
      if (schema.maxItems !== undefined && value.length > schema.maxItems) {
        ArrayPrototypePush(errors, { path, message: `must NOT have more than ${schema.maxItems} items` });
      }
      if (schema.items !== undefined) {
        for (let i = 0; i < value.length; i++) check(schema.items, value[i], `${path}/${i}`, errors);
      }
    }
    if (isPlainObject(value) && (schema.properties !== undefined || schema.maxProperties !== undefined || schema.propertyPattern !== undefined)) {
      const required = schema.required || [];
      for (let i = 0; i < required.length; i++) {
        if (value[required[i]] === undefined) {
          ArrayPrototypePush(errors, { path, message: `must have required property '${required[i]}'` });
        }
      }
      const keys = ObjectKeys(value);
      if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) {
        ArrayPrototypePush(errors, { path, message: `must NOT have more than ${schema.maxProperties} properties` });
      }
      if (schema.additionalProperties === false) {
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          const known = schema.properties !== undefined && schema.properties[key] !== undefined;
          const patterned = schema.propertyPattern !== undefined && RegExpPrototypeTest(schema.propertyPattern, key);
          if (!known && !patterned) {
            ArrayPrototypePush(errors, { path, message: 'must NOT have additional properties' });
          }
        }
      }
      if (schema.properties !== undefined) {
        const names = ObjectKeys(schema.properties);
        for (let i = 0; i < names.length; i++) {
          const name = names[i];
          if (value[name] !== undefined) check(schema.properties[name], value[name], `${path}/${name}`, errors);
        }
      }
    }
  }

  // Throws Auth0's validator message when `value` breaks `schema`.
  function validate(schema, value, prefix) {
    const errors = [];
    check(schema, value, '', errors);
    if (errors.length === 0) return;
    const groups = [];
    const byPath = ObjectCreate(null);
    for (let i = 0; i < errors.length; i++) {
      const { path, message } = errors[i];
      if (byPath[path] === undefined) {
        const segments = StringPrototypeSplit(path, '/');
        byPath[path] = { text: `${segments[segments.length - 1]} ${message}` };
        ArrayPrototypePush(groups, byPath[path]);
      } else {
        byPath[path].text += `, ${message}`;
      }
    }
    const parts = [];
    for (let i = 0; i < groups.length; i++) ArrayPrototypePush(parts, groups[i].text);
    const text = ArrayPrototypeJoin(parts, '; ');
    throw new Error(prefix === undefined ? text : `${prefix}: ${text}`);
  }

  const str = (maxLength) => ({ type: 'string', maxLength });

  // --- the api -----------------------------------------------------------

  const RESERVED_CUSTOM_CLAIMS = ['scope'];
  const MAX_SCOPE_LENGTH = 280;
  const MAX_USER_ID_LENGTH = 128;
  const DEFAULT_SESSION_TOKEN_EXP = 900;
  const NO_REDIRECT_PROTOCOLS = ['oauth2-resource-owner', 'oauth2-refresh-token', 'oauth2-password', 'oauth2-webauthn'];
  const MAX_SAML_BYTES = 102400;
  const MAX_RENDER_PROMPT_OPTIONS_BYTES = 24 * 1024;
  const whitespace = /\s/;

  function assertScope(scope) {
    if (typeof scope !== 'string') throw new TypeError('The value for the scope must be a string.');
    const trimmed = StringPrototypeTrim(scope);
    if (trimmed.length === 0) throw new Error('The value for the scope is required.');
    if (trimmed.length > MAX_SCOPE_LENGTH) {
      throw new Error(`The value for the scope exceeds the allowed maximum of ${MAX_SCOPE_LENGTH} characters.`);
    }
    if (RegExpPrototypeTest(whitespace, trimmed)) throw new Error('The value for the scope must not have whitespace.');
    return trimmed;
  }

  function deepClone(value) {
    if (!value) return value;
    if (ArrayIsArray(value)) {
      const out = [];
      for (let i = 0; i < value.length; i++) ArrayPrototypePush(out, deepClone(value[i]));
      return out;
    }
    if (typeof value === 'object') {
      const out = {};
      const keys = ObjectKeys(value);
      for (let i = 0; i < keys.length; i++) out[keys[i]] = deepClone(value[keys[i]]);
      return out;
    }
    return value;
  }

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

  // api.cache, the same in every trigger: a key/value store shared by the
  // Actions of a flow (the host carries it between Actions).
  function cacheApi(info) {
    const cacheRecords = new p.Map();
    if (info.cache) {
      const keys = ObjectKeys(info.cache);
      for (let i = 0; i < keys.length; i++) p.MapPrototypeSet(cacheRecords, keys[i], info.cache[keys[i]]);
    }
    return {
      get(key) {
        const item = p.MapPrototypeGet(cacheRecords, key);
        if (item === undefined || item.expires_at < DateNow()) return undefined;
        return item;
      },
      set(key, value, options) {
        if (typeof key !== 'string' || typeof value !== 'string') {
          const bad = typeof key !== 'string' ? key : value;
          const err = new TypeError(`The "string" argument must be of type string or an instance of Buffer or ArrayBuffer. Received ${rt.describeReceived(bad)}`);
          err.code = 'ERR_INVALID_ARG_TYPE';
          throw err;
        }
        if (utf8Bytes(key) > 64) return { type: 'error', code: 'CacheKeySizeExceeded' };
        if (utf8Bytes(value) > 4096) return { type: 'error', code: 'CacheValueSizeExceeded' };
        let total = utf8Bytes(key) + utf8Bytes(value);
        p.MapPrototypeForEach(cacheRecords, (record, k) => { total += utf8Bytes(k) + utf8Bytes(record.value); });
        if (total > 16 * 1024 + 256) return { type: 'error', code: 'CacheSizeExceeded' };
        const now = DateNow();
        let expiresAt;
        const ttl = options && options.ttl;
        const expires = options && options.expires_at;
        if (ttl !== undefined) {
          if (typeof ttl !== 'number' || !NumberIsFinite(ttl)) return { type: 'error', code: 'InvalidExpiry' };
          expiresAt = now + MathFloor(ttl);
        }
        if (expires !== undefined) {
          if (typeof expires !== 'number' || !NumberIsFinite(expires)) return { type: 'error', code: 'InvalidExpiry' };
          expiresAt = expiresAt === undefined ? MathFloor(expires) : MathMin(expiresAt, MathFloor(expires));
        }
        if (expiresAt === undefined) expiresAt = now + 15 * 60 * 1000;
        if (expiresAt <= now) return { type: 'error', code: 'ItemAlreadyExpired' };
        if (!NumberIsSafeInteger(expiresAt)) return { type: 'error', code: 'InvalidExpiry' };
        record('cache.set', [key, value, expiresAt]);
        const item = { value, expires_at: expiresAt };
        p.MapPrototypeSet(cacheRecords, key, item);
        return { type: 'success', record: { value, expires_at: expiresAt } };
      },
      delete(key) {
        if (!p.MapPrototypeHas(cacheRecords, key)) return { type: 'error', code: 'CacheKeyDoesNotExist' };
        record('cache.delete', [key]);
        p.MapPrototypeDelete(cacheRecords, key);
        return { type: 'success' };
      },
    };
  }

  // api.redirect: post-login's, and password-reset-post-challenge's (no
  // canRedirect; sendUserTo returns undefined).
  function redirectApi(event, local, abort, api, shape) {
    const request = () => (event.request || {});
    const redirect = {
      canRedirect() {
        const query = request().query || {};
        if (query.prompt === 'none') return false;
        const protocol = (event.transaction && event.transaction.protocol) || 'unknown-protocol';
        return !ArrayPrototypeIncludes(NO_REDIRECT_PROTOCOLS, protocol);
      },
      encodeToken(options) {
        const iat = MathFloor(DateNow() / 1000);
        const payload = {
          iat,
          iss: request().hostname,
          sub: event.user && event.user.user_id,
          exp: iat + (options.expiresInSeconds ?? DEFAULT_SESSION_TOKEN_EXP),
          ip: request().ip,
          ...options.payload,
        };
        record('redirect.encodeToken', [{ payload }]);
        if (typeof options.secret !== 'string') throw new TypeError('The "secret" option must be a string.');
        return host.hs256Sign(options.secret, JSONStringify(payload));
      },
      sendUserTo(url, options) {
        if (local.rendered) {
          abort('Redirect and render commands cannot be used in the same action.');
          return shape.canRedirect ? api : undefined;
        }
        const target = new rt.URL(url);
        const query = options && options.query;
        if (query) {
          for (const key in query) target.searchParams.set(key, query[key]);
        }
        local.redirected = true;
        record('redirect.sendUserTo', [target.href]);
        return shape.canRedirect ? api : undefined;
      },
      validateToken(options) {
        options.tokenParameterName ||= 'session_token';
        const params = { ...request().query, ...request().body };
        const token = params[options.tokenParameterName];
        if (!token) {
          throw new Error(`There is no parameter called '${options.tokenParameterName}' available in either the POST body or query string.`);
        }
        record('redirect.validateToken', [{ tokenParameterName: options.tokenParameterName }]);
        const reason = tokenProblem(`${token}`, options.secret, params.state);
        if (reason !== null) throw new Error(`The session token is invalid: ${reason}`);
        return lastPayload;
      },
    };

    let lastPayload;
    function tokenProblem(token, secret, state) {
      if (typeof secret !== 'string') return 'A secret is required to validate the token.';
      const verdict = host.hs256Verify(token, secret);
      const problem = verdict[0];
      const payloadText = verdict[1];
      if (problem !== '') return problem;
      const payload = p.JSONParse(payloadText);
      const now = MathFloor(DateNow() / 1000);
      if (typeof payload.exp === 'number' && payload.exp < now) return 'The token has expired.';
      if (payload.iss !== request().hostname) return 'The token issuer does not match the /continue request.';
      if (payload.state !== state) return 'State in the token does not match the /continue state.';
      if (payload.sub !== (event.user && event.user.user_id)) return 'The subject in the token does not match the user.';
      lastPayload = payload;
      return null;
    }
    if (!shape.canRedirect) delete redirect.canRedirect;
    return redirect;
  }

  // api.prompt: render a custom prompt (post-login, password reset).
  function promptApi(local, abort) {
    return {
      render(promptId, promptOptions) {
        if (local.redirected) {
          abort('Redirect and render commands cannot be used in the same action.');
          return undefined;
        }
        if (local.rendered) {
          abort('Only 1 render command per action is allowed.');
          return undefined;
        }
        const options = promptOptions || {};
        validate({
          type: 'object',
          required: ['promptId'],
          properties: {
            promptId: str(48),
            promptOptions: {
              type: 'object',
              additionalProperties: false,
              properties: {
                fields: { type: 'object', maxProperties: 24, additionalProperties: false, propertyPattern: /^[a-zA-Z_][a-zA-Z0-9_]{0,49}$/, properties: {} },
                vars: { type: 'object', maxProperties: 24, properties: {} },
              },
            },
          },
        }, { promptId, promptOptions: options });
        if (utf8Bytes(JSONStringify(options)) > MAX_RENDER_PROMPT_OPTIONS_BYTES) {
          throw new Error(`The total size of the prompt options exceeds the limit of ${MAX_RENDER_PROMPT_OPTIONS_BYTES} bytes.`);
        }
        local.rendered = true;
        record('prompt.render', [promptId, options]);
        return undefined;
      },
    };
  }

  rt.createPostLoginApi = function (event, info) {
    rt.flowUser = event.user;
    rt.flowRoles = event.authorization ? event.authorization.roles : undefined;
    const api = {};
    const local = { redirected: false, rendered: false };
    let primaryUserSet = info.primaryUserSet === true;

    function abort(message) {
      record('abort', [message]);
    }

    api.access = {
      deny(reason) {
        record('access.deny', [reason]);
        return api;
      },
    };

    const customClaim = (target) => function setCustomClaim(name, value) {
      if (ArrayPrototypeIncludes(RESERVED_CUSTOM_CLAIMS, name)) {
        throw new Error(`The ${JSONStringify(name)} claim cannot be set.`);
      }
      const key = `${name}`;
      const text = JSONStringify(value);
      // undefined, functions and symbols have no JSON form: recorded with
      // no value, and the claim policy drops them.
      host.record(`${target}.setCustomClaim`, text === undefined ? `[${JSONStringify(key)}]` : `[${JSONStringify(key)},${text}]`);
      return api;
    };

    api.idToken = { setCustomClaim: customClaim('idToken') };
    api.accessToken = {
      setCustomClaim: customClaim('accessToken'),
      addScope(scope) {
        record('accessToken.addScope', [assertScope(scope)]);
      },
      removeScope(scope) {
        record('accessToken.removeScope', [assertScope(scope)]);
      },
    };

    api.user = {
      setAppMetadata(key, value) {
        if (!isPlainObject(event.user && event.user.app_metadata)) {
          throw new Error('Unexpected app_metadata format. Must be a valid JSON object');
        }
        record('user.setAppMetadata', [key, value]);
        return api;
      },
      setUserMetadata(key, value) {
        if (!isPlainObject(event.user && event.user.user_metadata)) {
          throw new Error('Unexpected user_metadata format. Must be a valid JSON object.');
        }
        record('user.setUserMetadata', [key, value]);
        return api;
      },
    };

    api.multifactor = {
      enable(provider, options) {
        record('multifactor.enable', [provider, {
          allowRememberBrowser: options === undefined || options === null ? undefined : options.allowRememberBrowser,
          providerOptions: options === undefined || options === null ? undefined : options.providerOptions,
        }]);
        return api;
      },
    };

    api.authentication = {
      challengeWith(factor, options) { record('authentication.challengeWith', [factor, options]); },
      challengeWithAny(factors) { record('authentication.challengeWithAny', [factors]); },
      enrollWith(factor, options) { record('authentication.enrollWith', [factor, options]); },
      enrollWithAny(factors) { record('authentication.enrollWithAny', [factors]); },
      recordMethod(providerUrl) {
        record('authentication.recordMethod', [providerUrl]);
        return api;
      },
      setPrimaryUser(primaryUserId) {
        if (primaryUserSet) throw new Error('The primary user can only be altered once per transaction');
        if (typeof primaryUserId !== 'string' || primaryUserId.length === 0) {
          throw new Error('The provided primary_user_id must be a non-empty string');
        }
        if (primaryUserId.length > MAX_USER_ID_LENGTH) throw new Error('The provided primary_user_id exceeds the maximum length.');
        primaryUserSet = true;
        record('authentication.setPrimaryUser', [primaryUserId]);
      },
    };

    api.redirect = redirectApi(event, local, abort, api, { canRedirect: true });

    api.cache = cacheApi(info);

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
    api.samlResponse = {
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
      api.samlResponse[method] = function (value) {
        if (method === 'setNameIdentifierFormat' && value === undefined) {
          value = 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified';
        }
        validate({ type: 'object', properties: { [key]: samlSchemas[key] } }, { [key]: value });
        record(`samlResponse.${method}`, [value]);
        return api;
      };
    }

    api.validation = {
      error(errorCode, errorMessage) {
        validate({
          type: 'object',
          required: ['errorCode', 'errorMessage'],
          properties: { errorCode: str(100), errorMessage: str(100) },
        }, { errorCode, errorMessage });
        record('validation.error', [errorCode, errorMessage]);
        return api;
      },
    };

    api.rules = {
      wasExecuted(ruleId) {
        return ArrayPrototypeIncludes(info.rulesExecuted || [], ruleId) || false;
      },
    };

    api.prompt = promptApi(local, abort);

    // Session (Enterprise): metadata is validated as a whole and mirrored
    // into event.session, as the facade does.
    let sessionMetadata = event.session ? deepClone(event.session.metadata) || {} : undefined;
    api.session = {
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
    };

    let refreshMetadata = deepClone(event.refresh_token && event.refresh_token.metadata) || {};
    const online = (method) => {
      if (event.refresh_token && event.refresh_token.access === 'online') {
        throw new Error(`Cannot call ${method} on an online refresh token.`);
      }
    };
    api.refreshToken = {
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
    };

    // Transaction metadata: the facade passes calls through; the limits are
    // Auth0's documented ones (keys ≤ 64 characters, values ≤ 8 KB and a
    // string, number or boolean, ≤ 16 KB in all).
    const transactionMetadata = { ...(event.transaction && event.transaction.metadata) };
    const notImplemented = () => { throw new Error('Method not implemented.'); };
    api.transaction = {
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
    };

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
    api.groups = {
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
    };
    api.roles = {
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
    };
    return api;
  };

  // What the other triggers' facades (trigger-apis.js) share with this one.
  rt.apiParts = { record, validate, str, utf8Bytes, isPlainObject, assertScope, cacheApi, redirectApi, promptApi, codePoints };
})
