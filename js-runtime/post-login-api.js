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

  const str = (maxLength) => ({ type: 'string', maxLength });

  // The validators and api.redirect's and api.prompt's parts live in
  // api-parts.js, loaded the first time an execution needs one: most
  // never validate a schema, redirect or render a prompt.
  const parts = () => {
    rt.load('api-parts');
    return rt.apiMoreParts;
  };
  const validate = (schema, value, prefix) => parts().validate(schema, value, prefix);
  const redirectApi = (event, local, abort, api, shape) => parts().redirectApi(event, local, abort, api, shape);
  const promptApi = (local, abort) => parts().promptApi(local, abort);

  // --- the api -----------------------------------------------------------

  const RESERVED_CUSTOM_CLAIMS = ['scope'];
  const MAX_SCOPE_LENGTH = 280;
  const MAX_USER_ID_LENGTH = 128;
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

  // A part of the api built the first time a script reaches for it: most
  // Actions touch a few of the api's parts, and building all of them for
  // every execution costs more than the script itself. The property is an
  // ordinary enumerable one as soon as it is read (or written).
  // One function is the property's getter (no argument) and its setter
  // (one argument): one function object per lazy part in every execution.
  function lazy(api, name, build) {
    const access = function (value) {
      if (arguments.length === 0) value = build(name);
      ObjectDefineProperty(api, name, { value, writable: true, enumerable: true, configurable: true });
      return value;
    };
    ObjectDefineProperty(api, name, { enumerable: true, configurable: true, get: access, set: access });
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
    const api = {};
    const local = { redirected: false, rendered: false };
    let primaryUserSet = info.primaryUserSet === true;

    function abort(message) {
      record('abort', [message]);
    }

    let extras;
    // One builder for every lazy part of this api (a closure per part
    // would be created in every execution).
    const build = (name) => {
      if (name === 'redirect') return redirectApi(event, local, abort, api, { canRedirect: true });
      if (name === 'prompt') return promptApi(local, abort);
      if (extras === undefined) {
        rt.load('post-login-extras');
        extras = rt.buildPostLoginExtras(event, info, api, snapshots);
      }
      return extras[name]();
    };

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

    lazy(api, 'redirect', build);

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
    lazy(api, 'samlResponse', build);

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

    lazy(api, 'prompt', build);

    lazy(api, 'session', build);
    lazy(api, 'refreshToken', build);
    lazy(api, 'transaction', build);
    lazy(api, 'groups', build);
    lazy(api, 'roles', build);
    return api;
  };

  // What the other triggers' facades (trigger-apis.js) share with this one.
  rt.apiParts = { record, recordClaim, validate, str, utf8Bytes, isPlainObject, assertScope, cacheApi, redirectApi, promptApi, deepClone };
})
