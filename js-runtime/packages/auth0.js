// The auth0 package (node-auth0) when the real one does not run: a
// script's unversioned require('auth0') (Rules get it as 2.x, Actions as
// 4.x, with a warning), and any version when the real package cannot be
// installed (undeclared by an Action, offline and not cached).
// ManagementClient and AuthenticationClient keep the call and result
// shapes of the major version asked for (2.x/3.x callbacks and bare
// bodies; 4.x `{data}` responses; 5.x positional ids, bare bodies and
// pages), and send every call as the real SDK does: an https request to
// the tenant's Management API or token endpoint, which the host answers
// from the tenant's store (docs/serve.md, "Management API"), so this
// client, the real package and `serve` read and write one directory.
// Every call is also recorded as a command. Anything else fails with "not
// supported by actionbox's emulation".
(function (host, rt) {
  'use strict';
  const p = rt.p;
  rt.load('node/buffer');
  rt.load('node/fetch');
  const {
    ObjectCreate, ArrayPrototypePush, ArrayPrototypeFilter, ArrayPrototypeIncludes,
    ArrayPrototypeSlice, ArrayPrototypeJoin, JSONStringify, JSONParse, StringPrototypeToLowerCase,
    PromisePrototypeThen, Promise, TypeError,
  } = p;

  // A failed call, as the Management API answers it.
  class HttpFailure {
    constructor(status, error, message, errorCode) {
      this.status = status;
      this.error = error;
      this.message = message;
      this.errorCode = errorCode;
    }
  }

  // ---- the requests -------------------------------------------------------
  const enc = (segment) => p.encodeURIComponent(`${segment}`);

  // One request to the tenant: resolves to {status, data} (data undefined
  // for an empty body), rejects with an HttpFailure for an error status,
  // or with an Error when the request could not be made.
  function send(method, url, headers, body) {
    return new Promise((resolve, reject) => {
      const pairs = [['Accept', 'application/json']];
      for (let i = 0; i < headers.length; i++) ArrayPrototypePush(pairs, headers[i]);
      let bytes = null;
      if (body !== undefined) {
        ArrayPrototypePush(pairs, ['Content-Type', 'application/json']);
        bytes = rt.utf8Encode(JSONStringify(body));
      }
      rt.httpStart({ method, url, headers: pairs, body: bytes, timeoutMs: undefined }, {
        resolve(raw) {
          const text = host.utf8Decode(raw.body);
          let data;
          if (text !== '') {
            try {
              data = JSONParse(text);
            } catch (e) {
              data = text;
            }
          }
          if (raw.status >= 400) {
            const known = data !== null && typeof data === 'object';
            const message = known ? (data.message || data.error_description || raw.statusText) : (text || raw.statusText);
            reject(new HttpFailure(raw.status, known && data.error ? data.error : raw.statusText, message, known ? data.errorCode : undefined));
            return;
          }
          resolve({ status: raw.status, data });
        },
        reject(message) {
          reject(new p.Error(`${method} ${url} failed: ${message} (actionbox answers the Management API only at the tenant's own domain, the settings' \`domain\`)`));
        },
      });
    });
  }

  // The host a client's `domain` names (given with or without a scheme).
  const bareDomain = (options) => p.StringPrototypeReplace(`${options.domain}`, /^https?:\/\//, '');

  // A client's connection to its tenant: the domain and the bearer token,
  // given (`token`) or got once by the client-credentials grant, as the
  // real SDK's token provider does.
  function connection(options) {
    const domain = bareDomain(options);
    let token = options.token !== undefined ? p.PromiseResolve(`${options.token}`) : undefined;
    return {
      domain,
      token() {
        if (token === undefined) {
          const grant = {
            grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret,
            audience: options.audience || `https://${domain}/api/v2/`,
          };
          if (options.scope) grant.scope = options.scope;
          token = PromisePrototypeThen(send('POST', `https://${domain}/oauth/token`, [], grant), (answer) => answer.data.access_token);
        }
        return token;
      },
    };
  }

  // The operations, version-independent: (args) -> [method, path, query,
  // body]. Each is recorded as `management.<name>`.
  const listQuery = (params, keys) => {
    const out = [];
    if (params === null || typeof params !== 'object') return out;
    for (let i = 0; i < keys.length; i++) {
      const value = params[keys[i]];
      if (value !== undefined && value !== null) ArrayPrototypePush(out, [keys[i], value]);
    }
    return out;
  };
  const PAGING = ['page', 'per_page', 'include_totals'];
  const SEARCH = ['q', 'search_engine', 'connection', 'sort', 'fields', 'include_fields', 'page', 'per_page', 'include_totals'];
  const ops = {
    'users.get': (id) => ['GET', `/users/${enc(id)}`],
    'users.update': (id, body) => ['PATCH', `/users/${enc(id)}`, [], body],
    'users.getAll': (params) => ['GET', '/users', listQuery(params, SEARCH)],
    'usersByEmail.getByEmail': (email) => ['GET', '/users-by-email', [['email', email === undefined || email === null ? '' : email]]],
    'users.link': (id, body) => ['POST', `/users/${enc(id)}/identities`, [], body === undefined ? {} : body],
    'users.unlink': (id, provider, userId) => ['DELETE', `/users/${enc(id)}/identities/${enc(provider)}/${enc(userId)}`],
    'users.assignRoles': (id, body) => ['POST', `/users/${enc(id)}/roles`, [], body === undefined ? {} : body],
    'users.deleteRoles': (id, body) => ['DELETE', `/users/${enc(id)}/roles`, [], body === undefined ? {} : body],
    'users.getRoles': (id, params) => ['GET', `/users/${enc(id)}/roles`, listQuery(params, PAGING)],
    'users.getPermissions': (id, params) => ['GET', `/users/${enc(id)}/permissions`, listQuery(params, PAGING)],
    'users.delete': (id) => ['DELETE', `/users/${enc(id)}`],
    'users.create': (body) => ['POST', '/users', [], body],
    'roles.getAll': (params) => ['GET', '/roles', listQuery(params, ['name_filter', 'page', 'per_page', 'include_totals'])],
  };

  // Makes the call `name` on the tenant: resolves to {status, data}.
  function call(conn, name, args) {
    host.record(`management.${name}`, JSONStringify(ArrayPrototypeFilter(args, (a) => a !== undefined)));
    // (Indexed, not destructured: a script may have replaced the array
    // iterator; docs/security.md, hazard 8.)
    const op = p.ReflectApply(ops[name], undefined, args);
    const method = op[0], path = op[1], query = op[2], body = op[3];
    let url = `https://${conn.domain}/api/v2${path}`;
    if (query !== undefined && query.length > 0) {
      const parts = [];
      for (let i = 0; i < query.length; i++) ArrayPrototypePush(parts, `${enc(query[i][0])}=${enc(query[i][1])}`);
      url += `?${ArrayPrototypeJoin(parts, '&')}`;
    }
    return PromisePrototypeThen(conn.token(), (token) => send(method, url, [['Authorization', `Bearer ${token}`]], body));
  }

  // ---- errors per version -------------------------------------------------
  const PATHS = {
    'users.get': ['GET', '/users/{id}'], 'users.update': ['PATCH', '/users/{id}'], 'users.getAll': ['GET', '/users'],
    'usersByEmail.getByEmail': ['GET', '/users-by-email'], 'users.link': ['POST', '/users/{id}/identities'],
    'users.unlink': ['DELETE', '/users/{id}/identities/{provider}/{user_id}'], 'users.assignRoles': ['POST', '/users/{id}/roles'],
    'users.deleteRoles': ['DELETE', '/users/{id}/roles'], 'users.getRoles': ['GET', '/users/{id}/roles'],
    'users.getPermissions': ['GET', '/users/{id}/permissions'], 'users.delete': ['DELETE', '/users/{id}'],
    'users.create': ['POST', '/users'], 'roles.getAll': ['GET', '/roles'],
  };
  function apiBody(failure) {
    return { statusCode: failure.status, error: failure.error, message: failure.message, errorCode: failure.errorCode };
  }
  // 2.x/3.x: rest-facade's SanitizedError.
  function errorV2(failure, name, domain) {
    const err = new p.Error(failure.message);
    p.ObjectDefineProperty(err, 'name', { value: failure.error, writable: true, configurable: true });
    err.statusCode = failure.status;
    const method = PATHS[name][0], path = PATHS[name][1];
    err.requestInfo = { method: StringPrototypeToLowerCase(method), url: `https://${domain}/api/v2${path}` };
    err.originalError = new p.Error(failure.message);
    return err;
  }
  class ManagementApiError extends p.Error {
    constructor(failure) {
      super(failure.message);
      this.errorCode = failure.errorCode;
      this.error = failure.error;
      this.statusCode = failure.status;
      this.body = JSONStringify(apiBody(failure));
      this.headers = {};
      this.msg = failure.message;
    }
    get name() { return 'ManagementApiError'; }
  }
  class RequiredError extends p.Error {
    constructor(field) {
      super(`Required parameter requestParameters.${field} was null or undefined.`);
      this.field = field;
    }
    get name() { return 'RequiredError'; }
  }
  class ManagementError extends p.Error {
    constructor(failure, className = 'ManagementError') {
      const body = failure === undefined ? undefined : apiBody(failure);
      const lines = [className];
      if (failure !== undefined) {
        ArrayPrototypePush(lines, `Status code: ${failure.status}`);
        ArrayPrototypePush(lines, `Body: ${JSONStringify(body, null, 2)}`);
      }
      super(ArrayPrototypeJoin(lines, '\n'));
      p.ObjectDefineProperty(this, 'name', { value: className, writable: true, configurable: true });
      this.statusCode = failure === undefined ? undefined : failure.status;
      this.body = body;
      this.rawResponse = { headers: {}, status: this.statusCode, statusText: failure === undefined ? '' : failure.error, url: '' };
    }
  }
  const V5_ERRORS = { 400: 'BadRequestError', 401: 'UnauthorizedError', 403: 'ForbiddenError', 404: 'NotFoundError', 409: 'ConflictError', 429: 'TooManyRequestsError' };
  // Methods whose generated client lists a 404 (the others surface it as a bare ManagementError).
  const V5_LISTS_404 = ['users.get', 'users.update', 'users.getPermissions', 'users.link', 'users.unlink'];
  function errorV5(failure, name) {
    const className = failure.status === 404 && !ArrayPrototypeIncludes(V5_LISTS_404, name) ? 'ManagementError' : (V5_ERRORS[failure.status] || 'ManagementError');
    return new ManagementError(failure, className);
  }

  function unsupported(what, version) {
    return new p.Error(`${what} is not supported by actionbox's emulation of auth0 ${version}.x (see docs/node.md for the calls it supports)`);
  }

  // Unknown methods of a namespace fail clearly instead of being undefined.
  function guard(target, label, version) {
    return new p.Proxy(target, {
      get(object, key, receiver) {
        if (typeof key === 'symbol' || key in object || key === 'then' || key === 'toJSON' || key === 'inspect' || key === 'constructor') {
          return p.ReflectGet(object, key, receiver);
        }
        return function () {
          throw unsupported(`${label}.${key}()`, version);
        };
      },
    });
  }

  function checkOptions(options, kind) {
    if (options === null || typeof options !== 'object') throw new TypeError(`${kind} Client SDK options must be an object`);
    if (!options.domain || typeof options.domain !== 'string') throw new p.Error('Must provide a domain');
    if (kind === 'Management' && !options.token && !options.clientId) throw new p.Error('Must provide a token or a clientId and clientSecret');
  }


  // ---- 2.x / 3.x ----------------------------------------------------------
  // The promise, or (a callback given) undefined and the callback called.
  function settle(promise, cb) {
    if (typeof cb === 'function') {
      PromisePrototypeThen(promise, (result) => cb(null, result), (e) => cb(e));
      return undefined;
    }
    return promise;
  }
  function settleV2(conn, name, args, cb) {
    const promise = PromisePrototypeThen(call(conn, name, args), (answer) => (answer.data === undefined ? '' : answer.data), (e) => {
      throw e instanceof HttpFailure ? errorV2(e, name, conn.domain) : e;
    });
    return settle(promise, cb);
  }
  function argumentError(message) {
    const err = new p.Error(message);
    p.ObjectDefineProperty(err, 'name', { value: 'ArgumentError', writable: true, configurable: true });
    return err;
  }
  function idOf(params, method) {
    if (params === null || typeof params !== 'object') throw argumentError(`You must provide an id for the ${method} method`);
    if (typeof params.id !== 'string' || params.id === '') throw argumentError(`You must provide an id for the ${method} method`);
    return params.id;
  }
  function managementV2(options, version) {
    checkOptions(options, 'Management');
    const conn = connection(options);
    const op = (name, args, cb) => settleV2(conn, name, args, cb);
    const users = guard({
      get: (params, cb) => op('users.get', [idOf(params, 'get')], cb),
      update: (params, data, cb) => op('users.update', [idOf(params, 'update'), data], cb),
      updateAppMetadata: (params, metadata, cb) => op('users.update', [idOf(params, 'updateAppMetadata'), { app_metadata: metadata }], cb),
      updateUserMetadata: (params, metadata, cb) => op('users.update', [idOf(params, 'updateUserMetadata'), { user_metadata: metadata }], cb),
      getAll: (params, cb) => (typeof params === 'function' ? op('users.getAll', [{}], params) : op('users.getAll', [params || {}], cb)),
      getByEmail: (email, opts, cb) => op('usersByEmail.getByEmail', [email], typeof opts === 'function' ? opts : cb),
      link: (userId, params, cb) => {
        if (userId === null || userId === undefined) throw argumentError('The userId cannot be null or undefined');
        if (typeof userId !== 'string') throw argumentError('The userId has to be a string');
        return op('users.link', [userId, params], cb);
      },
      unlink: (params, cb) => {
        if (!params || !params.id) throw argumentError('id field is required');
        if (!params.user_id) throw argumentError('user_id field is required');
        if (!params.provider) throw argumentError('provider field is required');
        return op('users.unlink', [params.id, params.provider, params.user_id], cb);
      },
      assignRoles: (params, data, cb) => {
        if (!params || params.id === null || params.id === undefined) throw argumentError('The user_id cannot be null or undefined');
        return op('users.assignRoles', [params.id, data], cb);
      },
      removeRoles: (params, data, cb) => op('users.deleteRoles', [idOf(params, 'removeRoles'), data], cb),
      getRoles: (params, cb) => op('users.getRoles', [idOf(params, 'getRoles'), paging(params)], cb),
      getPermissions: (params, cb) => op('users.getPermissions', [idOf(params, 'getPermissions'), paging(params)], cb),
      delete: (params, cb) => op('users.delete', [idOf(params, 'delete')], cb),
      create: (data, cb) => op('users.create', [data], cb),
    }, 'ManagementClient.users', version);
    const roles = guard({
      getAll: (params, cb) => (typeof params === 'function' ? op('roles.getAll', [{}], params) : op('roles.getAll', [params || {}], cb)),
    }, 'ManagementClient.roles', version);
    const client = {
      users, roles,
      getUser: users.get, updateUser: users.update, updateAppMetadata: users.updateAppMetadata,
      updateUserMetadata: users.updateUserMetadata, getUsers: users.getAll, getUsersByEmail: users.getByEmail,
      linkUsers: users.link, unlinkUsers: users.unlink, assignRolestoUser: users.assignRoles,
      removeRolesFromUser: users.removeRoles, getUserRoles: users.getRoles, getUserPermissions: users.getPermissions,
      deleteUser: users.delete, createUser: users.create, getRoles: roles.getAll,
    };
    return guard(client, 'ManagementClient', version);
  }

  // The paging parameters of a list call, without its path parameters.
  function paging(params) {
    const out = {};
    if (params === null || typeof params !== 'object') return out;
    for (let i = 0; i < PAGING.length; i++) if (params[PAGING[i]] !== undefined) out[PAGING[i]] = params[PAGING[i]];
    return out;
  }

  // ---- 4.x ----------------------------------------------------------------
  const STATUS_TEXT = { 200: 'OK', 201: 'Created', 204: 'No Content' };
  function settleV4(conn, name, args) {
    return PromisePrototypeThen(call(conn, name, args),
      (answer) => ({ data: answer.data, headers: {}, status: answer.status, statusText: STATUS_TEXT[answer.status] || '' }),
      (e) => {
        throw e instanceof HttpFailure ? new ManagementApiError(e) : e;
      });
  }
  function requireId(params) {
    if (params === null || params === undefined || params.id === null || params.id === undefined) throw new RequiredError('id');
    return params.id;
  }
  // A call whose synchronous argument errors reject, as async methods do.
  const v4 = (fn) => (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      return p.PromiseReject(e);
    }
  };
  function managementV4(options, version) {
    checkOptions(options, 'Management');
    const conn = connection(options);
    const op = (name, args) => settleV4(conn, name, args);
    const users = guard({
      get: v4((params) => op('users.get', [requireId(params)])),
      update: v4((params, body) => op('users.update', [requireId(params), body])),
      getAll: v4((params) => op('users.getAll', [params || {}])),
      link: v4((params, body) => op('users.link', [requireId(params), body])),
      unlink: v4((params) => {
        requireId(params);
        if (!params.provider) throw new RequiredError('provider');
        if (!params.user_id) throw new RequiredError('user_id');
        return op('users.unlink', [params.id, params.provider, params.user_id]);
      }),
      assignRoles: v4((params, body) => op('users.assignRoles', [requireId(params), body])),
      deleteRoles: v4((params, body) => op('users.deleteRoles', [requireId(params), body])),
      getRoles: v4((params) => op('users.getRoles', [requireId(params), paging(params)])),
      getPermissions: v4((params) => op('users.getPermissions', [requireId(params), paging(params)])),
      delete: v4((params) => op('users.delete', [requireId(params)])),
      create: v4((body) => op('users.create', [body])),
    }, 'ManagementClient.users', version);
    const usersByEmail = guard({
      getByEmail: v4((params) => {
        if (!params || params.email === null || params.email === undefined) throw new RequiredError('email');
        return op('usersByEmail.getByEmail', [params.email]);
      }),
    }, 'ManagementClient.usersByEmail', version);
    const roles = guard({ getAll: v4((params) => op('roles.getAll', [params || {}])) }, 'ManagementClient.roles', version);
    return guard({ users, usersByEmail, roles }, 'ManagementClient', version);
  }

  // ---- 5.x ----------------------------------------------------------------
  function settleV5(conn, name, args) {
    const answered = call(conn, name, args);
    const failed = (e) => {
      throw e instanceof HttpFailure ? errorV5(e, name) : e;
    };
    const promise = PromisePrototypeThen(answered, (answer) => answer.data, failed);
    promise.withRawResponse = () => PromisePrototypeThen(answered,
      (answer) => ({ data: answer.data, rawResponse: { headers: {}, status: answer.status, statusText: STATUS_TEXT[answer.status] || '', url: '' } }),
      failed);
    return promise;
  }
  // A v5 Page over a list operation: .data is the current page's items.
  function pageV5(conn, name, args, key, params) {
    const fetchPage = (pageNumber) => {
      const pageParams = { per_page: 50, include_totals: true, ...(params || {}), page: pageNumber };
      const callArgs = ArrayPrototypeSlice(args);
      ArrayPrototypePush(callArgs, pageParams);
      return PromisePrototypeThen(call(conn, name, callArgs), (answer) => answer.data, (e) => {
        throw e instanceof HttpFailure ? errorV5(e, name) : e;
      });
    };
    const first = params && params.page !== undefined ? +params.page : 0;
    return PromisePrototypeThen(fetchPage(first), (response) => ({
      data: response[key],
      response,
      rawResponse: { headers: {}, status: 200, statusText: 'OK', url: '' },
      hasNextPage() {
        return this.response.start + this.response.length < this.response.total;
      },
      async getNextPage() {
        this.response = await fetchPage(this.response.start / this.response.limit + 1);
        this.data = this.response[key];
        return this;
      },
      async *[p.SymbolAsyncIterator]() {
        let current = this;
        for (;;) {
          for (let i = 0; i < current.data.length; i++) yield current.data[i];
          if (!current.hasNextPage()) return;
          current = await current.getNextPage();
        }
      },
    }));
  }
  function requireString(value, name) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
    return value;
  }
  const v5 = v4;
  function managementV5(options, version) {
    checkOptions(options, 'Management');
    const conn = connection(options);
    const op = (name, args) => settleV5(conn, name, args);
    const page = (name, args, key, params) => pageV5(conn, name, args, key, params);
    const users = guard({
      get: v5((id) => op('users.get', [requireString(id, 'id')])),
      update: v5((id, body = {}) => op('users.update', [requireString(id, 'id'), body])),
      list: v5((params) => page('users.getAll', [], 'users', params)),
      listUsersByEmail: v5((params) => op('usersByEmail.getByEmail', [params && params.email])),
      delete: v5((id) => op('users.delete', [requireString(id, 'id')])),
      create: v5((body) => op('users.create', [body])),
      identities: guard({
        link: v5((id, body = {}) => op('users.link', [requireString(id, 'id'), body])),
        delete: v5((id, provider, userId) => op('users.unlink', [requireString(id, 'id'), requireString(provider, 'provider'), requireString(userId, 'user_id')])),
      }, 'ManagementClient.users.identities', version),
      roles: guard({
        assign: v5((id, body) => op('users.assignRoles', [requireString(id, 'id'), body])),
        delete: v5((id, body) => op('users.deleteRoles', [requireString(id, 'id'), body])),
        list: v5((id, params) => page('users.getRoles', [requireString(id, 'id')], 'roles', params)),
      }, 'ManagementClient.users.roles', version),
      permissions: guard({
        list: v5((id, params) => page('users.getPermissions', [requireString(id, 'id')], 'permissions', params)),
      }, 'ManagementClient.users.permissions', version),
    }, 'ManagementClient.users', version);
    const roles = guard({ list: v5((params) => page('roles.getAll', [], 'roles', params)) }, 'ManagementClient.roles', version);
    return guard({ users, roles }, 'ManagementClient', version);
  }

  // ---- AuthenticationClient -----------------------------------------------
  // The client-credentials grant at the tenant's token endpoint, which
  // signs a real token for the Management API or an API of the settings.
  function grantToken(options, params) {
    const clientId = (params && params.client_id) || options.clientId;
    const grant = {
      grant_type: 'client_credentials', client_id: clientId,
      client_secret: (params && params.client_secret) || options.clientSecret, audience: params && params.audience,
    };
    if (params && params.scope) grant.scope = params.scope;
    host.record('authentication.oauth.clientCredentialsGrant', JSONStringify([{ audience: grant.audience, scope: grant.scope, client_id: clientId }]));
    const domain = bareDomain(options);
    return send('POST', `https://${domain}/oauth/token`, [], grant);
  }
  // An error of the token endpoint as the SDK gives it: the OAuth error
  // code as its name, the description as its message.
  function grantError(e) {
    if (!(e instanceof HttpFailure)) return e;
    const err = new p.Error(e.message);
    p.ObjectDefineProperty(err, 'name', { value: e.error, writable: true, configurable: true });
    err.statusCode = e.status;
    return err;
  }
  function authenticationClient(major, version) {
    return function AuthenticationClient(options) {
      checkOptions(options, 'Authentication');
      if (major < 4) {
        const grant = (params, cb) => {
          if (params === null || typeof params !== 'object') throw argumentError('Missing options object');
          const promise = PromisePrototypeThen(grantToken(options, params), (answer) => answer.data, (e) => {
            throw grantError(e);
          });
          return settle(promise, cb);
        };
        return guard({ clientCredentialsGrant: grant, oauth: guard({ clientCredentialsGrant: grant }, 'AuthenticationClient.oauth', version) }, 'AuthenticationClient', version);
      }
      const oauth = guard({
        clientCredentialsGrant: v4((params) => {
          if (!params || params.audience === null || params.audience === undefined) throw new RequiredError('audience');
          return PromisePrototypeThen(grantToken(options, params),
            (answer) => ({ data: answer.data, headers: {}, status: answer.status, statusText: 'OK' }), (e) => {
              throw grantError(e);
            });
        }),
      }, 'AuthenticationClient.oauth', version);
      return guard({ oauth }, 'AuthenticationClient', version);
    };
  }

  // ---- the module ---------------------------------------------------------
  const modules = ObjectCreate(null);
  rt.auth0 = function (requested) {
    let version = requested;
    if (version === undefined) {
      version = rt.isRules ? '2' : '4';
      host.warn(`require('auth0') without a declared version: emulating auth0 ${version}.x. Declare the version the script was written for (--dependency auth0@VERSION, or the tenant's dependencies)`);
    }
    let major = p.NumberParseInt(p.StringPrototypeReplace(`${version}`, /^[^0-9]*/, ''), 10);
    if (!(major >= 2)) major = 2;
    if (major > 5) {
      host.warn(`auth0 ${version}: actionbox emulates the 2.x to 5.x APIs; using 5.x`);
      major = 5;
    }
    if (modules[major] !== undefined) return modules[major];
    const label = `${major}`;
    const make = major >= 5 ? managementV5 : major === 4 ? managementV4 : managementV2;
    function ManagementClient(options) {
      if (!new.target) throw new TypeError("Class constructor ManagementClient cannot be invoked without 'new'");
      return make(options, label);
    }
    const exports = {
      ManagementClient,
      AuthenticationClient: authenticationClient(major, label),
    };
    if (major >= 5) exports.ManagementError = ManagementError;
    if (major === 4) {
      exports.ManagementApiError = ManagementApiError;
      exports.RequiredError = RequiredError;
    }
    modules[major] = guard(exports, 'auth0', label);
    return modules[major];
  };
})
