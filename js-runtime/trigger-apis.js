// The `api` objects of the triggers other than post-login, shaped like
// Auth0's published facades (@auth0/actions): credentials-exchange v2,
// pre-user-registration v2, post-user-registration v2, post-change-password
// v2, send-phone-message v2, password-reset-post-challenge v1 and
// custom-token-exchange v1. Each method checks its arguments as the facade
// does and records one command; Rust decides what the commands mean.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ArrayIsArray, ArrayPrototypePush, ArrayPrototypeIncludes, ArrayPrototypeIndexOf, ArrayPrototypeSplice, ObjectKeys, Error, TypeError } = p;
  const { record, recordClaim, validate, str, isPlainObject, assertScope, cacheApi, redirectApi, promptApi } = rt.apiParts;

  const MAX_SCOPES = 1000;

  // The target-scope methods of credentials-exchange (not flag-gated there).
  function targetScopesApi(event) {
    const initial = (event.transaction && event.transaction.target_scopes) || (event.accessToken && event.accessToken.scope) || [];
    const scopes = [];
    for (let i = 0; i < initial.length; i++) ArrayPrototypePush(scopes, initial[i]);
    // As the facade: the event's transaction is written after each call
    // (a TypeError when the event has no transaction, after recording).
    const sync = () => {
      event.transaction.target_scopes = p.ArrayPrototypeSlice(scopes);
    };
    return {
      addTargetScope(scope) {
        const trimmed = assertScope(scope);
        if (!ArrayPrototypeIncludes(scopes, trimmed) && scopes.length >= MAX_SCOPES) {
          throw new Error(`The number of scopes exceeds the allowed maximum of ${MAX_SCOPES}.`);
        }
        record('transaction.addTargetScope', [trimmed]);
        if (!ArrayPrototypeIncludes(scopes, trimmed)) ArrayPrototypePush(scopes, trimmed);
        sync();
      },
      removeTargetScope(scope) {
        const trimmed = assertScope(scope);
        record('transaction.removeTargetScope', [trimmed]);
        const at = ArrayPrototypeIndexOf(scopes, trimmed);
        if (at !== -1) ArrayPrototypeSplice(scopes, at, 1);
        sync();
      },
      setTargetScopes(list) {
        if (!ArrayIsArray(list)) throw new TypeError('The value for scopes must be an array.');
        if (list.length === 0) {
          record('transaction.clearTargetScopes', []);
          scopes.length = 0;
          sync();
          return;
        }
        const unique = [];
        for (let i = 0; i < list.length; i++) {
          const trimmed = assertScope(list[i]);
          if (!ArrayPrototypeIncludes(unique, trimmed)) ArrayPrototypePush(unique, trimmed);
        }
        if (unique.length > MAX_SCOPES) throw new Error(`The number of scopes exceeds the allowed maximum of ${MAX_SCOPES}.`);
        record('transaction.setTargetScopes', [unique]);
        scopes.length = 0;
        for (let i = 0; i < unique.length; i++) ArrayPrototypePush(scopes, unique[i]);
        sync();
      },
      clearTargetScopes() {
        record('transaction.clearTargetScopes', []);
        scopes.length = 0;
        sync();
      },
    };
  }

  rt.createCredentialsExchangeApi = function (event, info) {
    const api = {};
    api.access = {
      deny(code, reason) {
        record('access.deny', [code, reason]);
        return api;
      },
    };
    // No reserved-claim check here (unlike post-login): the claim policy
    // applies when the token is built.
    api.accessToken = {
      setCustomClaim(key, value) {
        recordClaim('accessToken.setCustomClaim', key, value);
        return api;
      },
    };
    api.cache = cacheApi(info);
    api.transaction = targetScopesApi(event);
    return api;
  };

  rt.createPreUserRegistrationApi = function (event, info) {
    const api = {};
    api.access = {
      deny(reason, userMessage) {
        record('access.deny', [reason, userMessage]);
        return api;
      },
    };
    api.user = {
      setAppMetadata(key, value) {
        record('user.setAppMetadata', [key, value]);
        return api;
      },
      setUserMetadata(key, value) {
        record('user.setUserMetadata', [key, value]);
        return api;
      },
      // In the facade, though in no published type or doc page.
      setUserId(userId) {
        validate({
          type: 'object',
          required: ['user_id'],
          properties: { user_id: { type: 'string', minLength: 1, maxLength: 255, pattern: /^[a-zA-Z0-9@._+-]{1,255}$/, patternText: '^[a-zA-Z0-9@._+-]{1,255}$' } },
        }, { user_id: userId }, 'Invalid setUserId arguments');
        record('user.setUserId', [userId]);
        return api;
      },
    };
    api.validation = {
      error(errorCode, errorMessage) {
        validate({
          type: 'object',
          required: ['errorCode', 'errorMessage'],
          properties: { errorCode: str(100), errorMessage: str(100) },
        }, { errorCode, errorMessage }, 'Failed to add validation error');
        record('validation.error', [errorCode, errorMessage]);
        return api;
      },
    };
    api.cache = cacheApi(info);
    return api;
  };

  // post-user-registration, post-change-password, send-phone-message:
  // the cache only.
  rt.createCacheOnlyApi = function (event, info) {
    return { cache: cacheApi(info) };
  };

  rt.createPasswordResetPostChallengeApi = function (event, info) {
    const api = {};
    const local = { redirected: false, rendered: false };
    const abort = (message) => record('abort', [message]);
    api.access = {
      deny(reason) {
        record('access.deny', [reason]);
      },
    };
    api.authentication = {
      challengeWith(factor, options) { record('authentication.challengeWith', [factor, options]); },
      challengeWithAny(factors) { record('authentication.challengeWithAny', [factors]); },
    };
    api.prompt = promptApi(local, abort);
    api.redirect = redirectApi(event, local, abort, api, { canRedirect: false });
    api.cache = cacheApi(info);
    api.transaction = {
      setResultUrl(url, options) {
        const target = new rt.URL(url);
        const query = options && options.query;
        if (query) {
          const keys = ObjectKeys(query);
          for (let i = 0; i < keys.length; i++) target.searchParams.set(keys[i], query[keys[i]]);
        }
        record('transaction.setResultUrl', [target.href]);
      },
    };
    return api;
  };

  // custom-token-exchange: every method returns undefined.
  const ACTOR_DEPTH = 5;
  const ACTOR_PROPERTIES = 5;
  function checkActor(actor, depth) {
    if (!isPlainObject(actor)) throw new Error(depth === 1 ? 'The actor must be a plain object.' : 'The act claim must be a plain object.');
    if (depth > ACTOR_DEPTH) throw new Error(`Actor nesting must not exceed ${ACTOR_DEPTH} levels.`);
    if (typeof actor.sub !== 'string' || actor.sub === '') throw new Error('The actor object must contain a sub claim.');
    if (actor.sub.length > 512) throw new Error('Invalid setActor arguments: sub must NOT have more than 512 characters');
    const custom = [];
    const keys = ObjectKeys(actor);
    for (let i = 0; i < keys.length; i++) if (keys[i] !== 'sub' && keys[i] !== 'act' && keys[i] !== 'type') ArrayPrototypePush(custom, keys[i]);
    if (custom.length > ACTOR_PROPERTIES) throw new Error(`No more than ${ACTOR_PROPERTIES} custom properties are allowed in the actor object.`);
    for (let i = 0; i < custom.length; i++) {
      const value = actor[custom[i]];
      const type = typeof value;
      if (type !== 'string' && type !== 'number' && type !== 'boolean') throw new Error('Custom property in an actor object must be a string, number, or boolean.');
      if (custom[i].length > 64) throw new Error('Custom property key in an actor object must NOT have more than 64 characters.');
      if (type === 'string' && value.length > 64) throw new Error('Custom string property value in an actor object must NOT have more than 64 characters.');
    }
    if (actor.act !== undefined) checkActor(actor.act, depth + 1);
  }

  rt.createCustomTokenExchangeApi = function (event, info) {
    const api = {};
    api.access = {
      deny(code, reason) {
        validate({
          type: 'object',
          required: ['code', 'reason'],
          properties: { code: { type: 'string', minLength: 1, maxLength: 1024 }, reason: { type: 'string', minLength: 1, maxLength: 4096 } },
        }, { code, reason }, 'Invalid deny arguments');
        record('access.deny', [code, reason]);
      },
      rejectInvalidSubjectToken(reason) {
        validate({
          type: 'object',
          required: ['reason'],
          properties: { reason: { type: 'string', minLength: 1, maxLength: 4096 } },
        }, { reason }, 'Invalid rejectInvalidSubjectToken arguments');
        record('access.rejectInvalidSubjectToken', [reason]);
      },
    };
    api.authentication = {
      setUserById(userId) {
        validate({
          type: 'object',
          required: ['user_id'],
          properties: { user_id: { type: 'string', minLength: 1, maxLength: 512 } },
        }, { user_id: userId }, 'Invalid setUserById arguments');
        record('authentication.setUserById', [userId]);
      },
      setUserByConnection(connectionName, userAttributes, options) {
        validate({
          type: 'object',
          required: ['connection_name', 'user_attributes', 'options'],
          properties: {
            connection_name: { type: 'string', minLength: 1, maxLength: 512 },
            user_attributes: {
              type: 'object',
              maxProperties: 24,
              required: ['user_id'],
              properties: {
                user_id: { type: 'string', minLength: 1, maxLength: 255 },
                email: { type: 'string' },
                email_verified: { type: 'boolean' },
                family_name: { type: 'string', minLength: 1, maxLength: 150 },
                given_name: { type: 'string', minLength: 1, maxLength: 150 },
                name: { type: 'string', minLength: 1, maxLength: 300 },
                nickname: { type: 'string', minLength: 1, maxLength: 300 },
                phone_number: { type: 'string' },
                phone_verified: { type: 'boolean' },
                picture: { type: 'string' },
                username: { type: 'string', minLength: 1, maxLength: 128 },
                verify_email: { type: 'boolean' },
              },
            },
            options: {
              type: 'object',
              additionalProperties: false,
              required: ['creationBehavior', 'updateBehavior'],
              properties: {
                creationBehavior: { type: 'string', enum: ['create_if_not_exists', 'none'] },
                updateBehavior: { type: 'string', enum: ['replace', 'none'] },
              },
            },
          },
        }, { connection_name: connectionName, user_attributes: userAttributes, options }, 'Invalid setUserByConnection arguments');
        record('authentication.setUserByConnection', [connectionName, userAttributes, options]);
      },
      setOrganization(organization) {
        validate({
          type: 'object',
          required: ['organization'],
          properties: { organization: { type: 'string', minLength: 1, maxLength: 50 } },
        }, { organization }, 'Invalid setOrganization arguments');
        record('authentication.setOrganization', [organization]);
      },
      setActor(actor) {
        checkActor(actor, 1);
        record('authentication.setActor', [actor]);
      },
    };
    const metadata = (call, label) => function (key, value) {
      validate({ type: 'object', required: ['key'], properties: { key: { type: 'string' } } }, { key }, `Invalid ${label} arguments`);
      record(call, [key, value]);
    };
    api.user = {
      setAppMetadata: metadata('user.setAppMetadata', 'setAppMetadata'),
      setUserMetadata: metadata('user.setUserMetadata', 'setUserMetadata'),
    };
    api.cache = cacheApi(info);
    return api;
  };
})
