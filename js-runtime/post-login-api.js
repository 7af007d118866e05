// The post-login `api` object. Each method checks its arguments the way
// Auth0's published facade (@auth0/actions, post-login v3) does — same
// order, same messages, same return values — and records one command
// through the host. What Auth0's server decides about those commands
// (claim policy, metadata merging, redirects) happens in Rust afterwards.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const {
    JSONStringify, ObjectKeys, ObjectDefineProperty, ObjectCreate, ArrayIsArray, ArrayPrototypePush,
    ArrayPrototypeJoin, ArrayPrototypeIncludes, StringPrototypeTrim,
    StringPrototypeCharCodeAt, RegExpPrototypeTest, NumberIsFinite,
    NumberIsSafeInteger, MathFloor, MathMin, DateNow, Error, TypeError,
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
      // Auth0 requires sub, iss, exp and iat (docs/behaviour.md, "Redirects").
      if (payload === null || typeof payload !== 'object' || typeof payload.sub !== 'string' || typeof payload.iss !== 'string'
        || !NumberIsFinite(payload.exp) || !NumberIsFinite(payload.iat)) {
        return 'Missing or invalid standard claims';
      }
      // RFC 7519 4.1.4: not accepted "on or after" its exp.
      if (payload.exp <= now) return 'The token has expired.';
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

  // A part of the api built the first time a script reaches for it: most
  // Actions touch a few of the api's parts, and building all of them for
  // every execution costs more than the script itself. The property is an
  // ordinary enumerable one as soon as it is read (or written).
  function lazy(api, name, build) {
    ObjectDefineProperty(api, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = build();
        ObjectDefineProperty(api, name, { value, writable: true, enumerable: true, configurable: true });
        return value;
      },
      set(value) {
        ObjectDefineProperty(api, name, { value, writable: true, enumerable: true, configurable: true });
      },
    });
  }

  // What the emulated auth0 SDK's in-memory tenant starts from.
  function seedFlow(event) {
    rt.flowUser = event.user;
    rt.flowRoles = event.authorization ? event.authorization.roles : undefined;
  }

  // A claim's value is recorded as JSON; undefined, functions and symbols
  // have no JSON form: recorded with no value, and the claim policy drops
  // them.
  function recordClaim(call, name, value) {
    const key = `${name}`;
    const text = JSONStringify(value);
    host.record(call, text === undefined ? `[${JSONStringify(key)}]` : `[${JSONStringify(key)},${text}]`);
  }

  rt.createPostLoginApi = function (event, info) {
    seedFlow(event);
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
      recordClaim(`${target}.setCustomClaim`, name, value);
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

    // The rarely used parts (SAML, sessions, refresh tokens, transaction
    // metadata, groups, roles) live in post-login-extras.js, loaded when a
    // script first reaches for one of them. What they mirror from the event
    // is snapshotted now, as the facade does when it builds the api.
    const snapshots = {
      session: event.session ? deepClone(event.session.metadata) || {} : undefined,
      refresh: deepClone(event.refresh_token && event.refresh_token.metadata) || {},
      transaction: { ...(event.transaction && event.transaction.metadata) },
    };
    let extras;
    const extra = (name) => () => {
      if (extras === undefined) {
        rt.load('post-login-extras');
        extras = rt.buildPostLoginExtras(event, info, api, snapshots);
      }
      return extras[name]();
    };
    lazy(api, 'samlResponse', extra('samlResponse'));

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

    lazy(api, 'session', extra('session'));
    lazy(api, 'refreshToken', extra('refreshToken'));
    lazy(api, 'transaction', extra('transaction'));
    lazy(api, 'groups', extra('groups'));
    lazy(api, 'roles', extra('roles'));
    return api;
  };

  // What the other triggers' facades (trigger-apis.js) share with this one.
  rt.apiParts = { record, recordClaim, seedFlow, validate, str, utf8Bytes, isPlainObject, assertScope, cacheApi, redirectApi, promptApi, deepClone };
})
