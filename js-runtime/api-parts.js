// The validators in the format of Auth0's generated ones, and the
// redirect and prompt parts of the api, loaded the first time an execution
// uses one of them (post-login-api.js's `parts`).
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const {
    JSONStringify, ObjectKeys, ObjectCreate, ArrayIsArray, ArrayPrototypePush,
    ArrayPrototypeJoin, ArrayPrototypeIncludes, StringPrototypeCharCodeAt, RegExpPrototypeTest,
    NumberIsFinite, MathFloor, DateNow, Error, TypeError, StringPrototypeSplit,
  } = p;
  const { record, str, utf8Bytes, isPlainObject } = rt.apiParts;

  const DEFAULT_SESSION_TOKEN_EXP = 900;
  const NO_REDIRECT_PROTOCOLS = ['oauth2-resource-owner', 'oauth2-refresh-token', 'oauth2-password', 'oauth2-webauthn'];
  const MAX_RENDER_PROMPT_OPTIONS_BYTES = 24 * 1024;

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

  rt.apiMoreParts = { validate, redirectApi, promptApi };
})
