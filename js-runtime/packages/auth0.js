// The auth0 package (node-auth0): ManagementClient and AuthenticationClient
// for the calls scripts make, in the call and result shapes of the major
// version asked for (2.x/3.x callbacks and bare bodies; 4.x `{data}`
// responses; 5.x positional ids, bare bodies and pages). They work on an
// in-memory tenant seeded with the user logging in (and --users), kept by
// the host for the whole flow, and every call is recorded as a command.
// Anything else fails with "not supported by actionbox's emulation".
(function (host, rt) {
  'use strict';
  const p = rt.p;
  rt.load('node/buffer');
  const {
    ObjectKeys, ObjectCreate, ArrayIsArray, ArrayPrototypePush, ArrayPrototypeFilter, ArrayPrototypeFind,
    ArrayPrototypeFindIndex, ArrayPrototypeSplice, ArrayPrototypeIncludes, ArrayPrototypeMap, ArrayPrototypeSlice,
    ArrayPrototypeJoin, ArrayPrototypeSome, JSONStringify, JSONParse, StringPrototypeToLowerCase, StringPrototypeSplit,
    StringPrototypeIndexOf, StringPrototypeSlice, StringPrototypeStartsWith, StringPrototypeEndsWith, Promise, TypeError,
  } = p;

  const clone = (value) => (value === undefined ? undefined : JSONParse(JSONStringify(value)));
  const nowIso = () => p.DatePrototypeToISOString(new p.Date());

  // ---- the tenant ---------------------------------------------------------
  // { users: [user], roles: [{id, name, description, permissions}] }; a
  // user's roles are kept in its `__roles` (role ids), never returned.
  let tenant = null;
  function roleIdFor(name) {
    return `rol_${p.StringPrototypeReplace(StringPrototypeToLowerCase(`${name}`), /[^a-z0-9]+/g, '_')}`;
  }
  function ensureRole(name) {
    let role = ArrayPrototypeFind(tenant.roles, (r) => r.name === name || r.id === name);
    if (role === undefined) {
      role = { id: StringPrototypeStartsWith(name, 'rol_') ? name : roleIdFor(name), name, description: '', permissions: [] };
      ArrayPrototypePush(tenant.roles, role);
    }
    return role;
  }
  function seedUser(user, roleNames) {
    const copy = clone(user);
    if (copy === undefined || copy === null || typeof copy.user_id !== 'string') return;
    if (ArrayPrototypeSome(tenant.users, (u) => u.user_id === copy.user_id)) return;
    const names = roleNames || copy.roles || [];
    delete copy.roles;
    const permissions = copy.permissions || [];
    delete copy.permissions;
    copy.__roles = ArrayPrototypeMap(names, (name) => ensureRole(name).id);
    copy.__permissions = permissions;
    ArrayPrototypePush(tenant.users, copy);
  }
  function load() {
    if (tenant !== null) return tenant;
    const state = JSONParse(host.tenantUsers());
    if (state.fresh) {
      tenant = { users: [], roles: [] };
      if (rt.flowUser) seedUser(rt.flowUser, rt.flowRoles);
      for (let i = 0; i < state.users.length; i++) seedUser(state.users[i]);
    } else {
      tenant = state;
    }
    return tenant;
  }
  function save() {
    host.tenantSave(JSONStringify(tenant));
  }
  function publicUser(user) {
    const out = clone(user);
    delete out.__roles;
    delete out.__permissions;
    return out;
  }
  function publicRole(role) {
    return { id: role.id, name: role.name, description: role.description };
  }

  // A failed call, as the Management API answers it.
  class HttpFailure {
    constructor(status, error, message, errorCode) {
      this.status = status;
      this.error = error;
      this.message = message;
      this.errorCode = errorCode;
    }
  }
  const notFound = () => new HttpFailure(404, 'Not Found', 'The user does not exist.', 'inexistent_user');
  const badRequest = (message, errorCode = 'invalid_body') => new HttpFailure(400, 'Bad Request', message, errorCode);

  function userOrFail(id) {
    const user = ArrayPrototypeFind(load().users, (u) => u.user_id === id);
    if (user === undefined) throw notFound();
    return user;
  }

  // PATCH /users/{id}: metadata merges at the top level (null deletes a
  // key); other root attributes are replaced.
  const READ_ONLY = ['user_id', 'identities', 'created_at', 'updated_at', 'last_login', 'logins_count', 'last_ip'];
  function applyUpdate(user, body) {
    if (body === null || typeof body !== 'object' || ArrayIsArray(body)) throw badRequest('Payload validation error: \'Expected type object but found type array\'.');
    const keys = ObjectKeys(body);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (ArrayPrototypeIncludes(READ_ONLY, key)) throw badRequest(`Payload validation error: 'Additional properties not allowed: ${key}'.`);
      if (key === 'app_metadata' || key === 'user_metadata') {
        const patch = body[key];
        if (patch === null || typeof patch !== 'object') throw badRequest(`Payload validation error: 'Expected type object but found type ${patch === null ? 'null' : typeof patch}' on property ${key}.`);
        const target = user[key] || (user[key] = {});
        const names = ObjectKeys(patch);
        for (let j = 0; j < names.length; j++) {
          if (patch[names[j]] === null) delete target[names[j]];
          else target[names[j]] = clone(patch[names[j]]);
        }
      } else if (key === 'password') {
        // accepted, never stored
      } else {
        user[key] = clone(body[key]);
      }
    }
    user.updated_at = nowIso();
  }

  // The subset of the user search (Lucene) syntax scripts use:
  // field:value terms joined by AND, values quoted or not, a trailing *.
  function matchesQuery(user, q) {
    if (q === undefined || q === null || q === '' || q === '*') return true;
    const terms = StringPrototypeSplit(`${q}`, /\s+AND\s+/);
    for (let i = 0; i < terms.length; i++) {
      const term = p.StringPrototypeTrim(terms[i]);
      const colon = StringPrototypeIndexOf(term, ':');
      if (colon <= 0 || p.RegExpPrototypeTest(/\s(OR|NOT)\s|^NOT\s|[()]/, term)) {
        throw new p.Error(`the user search query '${q}' is not supported by actionbox's emulation of auth0 (it understands field:value terms joined by AND)`);
      }
      const field = StringPrototypeSlice(term, 0, colon);
      let value = StringPrototypeSlice(term, colon + 1);
      if (StringPrototypeStartsWith(value, '"') && StringPrototypeEndsWith(value, '"')) value = StringPrototypeSlice(value, 1, -1);
      const candidates = valuesAt(user, StringPrototypeSplit(field, '.'));
      const prefix = StringPrototypeEndsWith(value, '*') ? StringPrototypeSlice(value, 0, -1) : undefined;
      const wanted = StringPrototypeToLowerCase(value);
      const hit = ArrayPrototypeSome(candidates, (candidate) => {
        const text = StringPrototypeToLowerCase(`${candidate}`);
        return prefix !== undefined ? StringPrototypeStartsWith(text, StringPrototypeToLowerCase(prefix)) : text === wanted;
      });
      if (!hit) return false;
    }
    return true;
  }
  function valuesAt(value, path) {
    if (path.length === 0) return value === undefined || value === null ? [] : ArrayIsArray(value) ? value : [value];
    if (ArrayIsArray(value)) {
      let out = [];
      for (let i = 0; i < value.length; i++) out = p.ArrayPrototypeConcat(out, valuesAt(value[i], path));
      return out;
    }
    if (value === null || typeof value !== 'object') return [];
    return valuesAt(value[path[0]], ArrayPrototypeSlice(path, 1));
  }

  // The paging parameters of a list call, without its path parameters.
  function paging(params) {
    const out = {};
    if (params === null || typeof params !== 'object') return out;
    for (const key of ['page', 'per_page', 'include_totals']) if (params[key] !== undefined) out[key] = params[key];
    return out;
  }

  function pageOf(items, params, key) {
    const perPage = params && params.per_page !== undefined ? +params.per_page : 50;
    const page = params && params.page !== undefined ? +params.page : 0;
    const slice = ArrayPrototypeSlice(items, page * perPage, page * perPage + perPage);
    if (params && params.include_totals) {
      const out = { start: page * perPage, limit: perPage, length: slice.length, total: items.length };
      out[key] = slice;
      return out;
    }
    return slice;
  }

  // The operations, version-independent: (args) -> result, or throws an
  // HttpFailure. Each is recorded as `management.<name>`.
  const ops = {
    'users.get'(id) {
      return publicUser(userOrFail(id));
    },
    'users.update'(id, body) {
      const user = userOrFail(id);
      applyUpdate(user, body);
      save();
      return publicUser(user);
    },
    'users.getAll'(params) {
      const users = ArrayPrototypeFilter(load().users, (u) => matchesQuery(u, params && params.q)
        && (!(params && params.connection) || ArrayPrototypeSome(u.identities || [], (identity) => identity.connection === params.connection)));
      return pageOf(ArrayPrototypeMap(users, publicUser), params, 'users');
    },
    'usersByEmail.getByEmail'(email) {
      if (typeof email !== 'string' || email === '') throw badRequest('Query validation error: \'String is too short (0 chars), minimum 1\' on property email.');
      const wanted = StringPrototypeToLowerCase(email);
      return ArrayPrototypeMap(ArrayPrototypeFilter(load().users, (u) => typeof u.email === 'string' && StringPrototypeToLowerCase(u.email) === wanted), publicUser);
    },
    'users.link'(id, body) {
      const primary = userOrFail(id);
      let secondaryId;
      if (body && body.link_with) {
        throw new p.Error("linking with link_with (an ID token) is not supported by actionbox's emulation of auth0: pass provider and user_id");
      }
      if (!body || !body.provider || !body.user_id) throw badRequest('Payload validation error: \'Missing required property: provider\'.');
      const userId = `${body.user_id}`;
      secondaryId = StringPrototypeIndexOf(userId, '|') === -1 ? `${body.provider}|${userId}` : userId;
      const users = load().users;
      const at = ArrayPrototypeFindIndex(users, (u) => u.user_id === secondaryId);
      if (at === -1) throw new HttpFailure(400, 'Bad Request', 'The user to link does not exist.', 'invalid_body');
      const secondary = users[at];
      ArrayPrototypeSplice(users, at, 1);
      primary.identities = primary.identities || [];
      const identities = secondary.identities || [];
      for (let i = 0; i < identities.length; i++) {
        const identity = clone(identities[i]);
        identity.profileData = { email: secondary.email, email_verified: secondary.email_verified, name: secondary.name };
        ArrayPrototypePush(primary.identities, identity);
      }
      save();
      return clone(primary.identities);
    },
    'users.unlink'(id, provider, userId) {
      const primary = userOrFail(id);
      const identities = primary.identities || [];
      const at = ArrayPrototypeFindIndex(identities, (identity, index) => index > 0 && identity.provider === provider && `${identity.user_id}` === `${userId}`);
      if (at !== -1) {
        const [identity] = ArrayPrototypeSplice(identities, at, 1);
        const profile = identity.profileData || {};
        delete identity.profileData;
        ArrayPrototypePush(load().users, {
          user_id: `${provider}|${userId}`, email: profile.email, email_verified: profile.email_verified, name: profile.name,
          identities: [identity], app_metadata: {}, user_metadata: {}, created_at: nowIso(), updated_at: nowIso(), __roles: [], __permissions: [],
        });
        save();
      }
      return clone(identities);
    },
    'users.assignRoles'(id, body) {
      const user = userOrFail(id);
      const roles = body && body.roles;
      if (!ArrayIsArray(roles)) throw badRequest('Payload validation error: \'Missing required property: roles\'.');
      for (let i = 0; i < roles.length; i++) {
        const role = ensureRole(`${roles[i]}`);
        if (!ArrayPrototypeIncludes(user.__roles, role.id)) ArrayPrototypePush(user.__roles, role.id);
      }
      save();
      return undefined;
    },
    'users.deleteRoles'(id, body) {
      const user = userOrFail(id);
      const roles = (body && body.roles) || [];
      user.__roles = ArrayPrototypeFilter(user.__roles, (roleId) => !ArrayPrototypeIncludes(roles, roleId));
      save();
      return undefined;
    },
    'users.getRoles'(id, params) {
      const user = userOrFail(id);
      const roles = ArrayPrototypeMap(user.__roles, (roleId) => publicRole(ensureRole(roleId)));
      return pageOf(roles, params, 'roles');
    },
    'users.getPermissions'(id, params) {
      const user = userOrFail(id);
      let permissions = clone(user.__permissions);
      for (let i = 0; i < user.__roles.length; i++) {
        const role = ensureRole(user.__roles[i]);
        permissions = p.ArrayPrototypeConcat(permissions, clone(role.permissions || []));
      }
      return pageOf(permissions, params, 'permissions');
    },
    'users.delete'(id) {
      const users = load().users;
      const at = ArrayPrototypeFindIndex(users, (u) => u.user_id === id);
      // The API answers 204 for an id that does not exist too.
      if (at !== -1) {
        ArrayPrototypeSplice(users, at, 1);
        save();
      }
      return undefined;
    },
    'users.create'(body) {
      if (!body || typeof body !== 'object') throw badRequest('Payload validation error: \'Expected type object\'.');
      if (!body.connection) throw badRequest('Payload validation error: \'Missing required property: connection\'.');
      const users = load().users;
      if (body.email && ArrayPrototypeSome(users, (u) => u.email === body.email && ArrayPrototypeSome(u.identities || [], (i) => i.connection === body.connection))) {
        throw new HttpFailure(409, 'Conflict', 'The user already exists.', 'auth0_idp_error');
      }
      const id = body.user_id || host.hexEncode(host.randomBytes(12));
      const user = clone(body);
      delete user.password;
      delete user.connection;
      user.user_id = `auth0|${id}`;
      user.identities = [{ connection: body.connection, provider: 'auth0', user_id: `${id}`, isSocial: false }];
      user.app_metadata = user.app_metadata || {};
      user.user_metadata = user.user_metadata || {};
      user.created_at = nowIso();
      user.updated_at = user.created_at;
      user.__roles = [];
      user.__permissions = [];
      ArrayPrototypePush(users, user);
      save();
      return publicUser(user);
    },
    'roles.getAll'(params) {
      const roles = ArrayPrototypeFilter(load().roles, (r) => !(params && params.name_filter) || p.StringPrototypeIncludes(StringPrototypeToLowerCase(r.name), StringPrototypeToLowerCase(params.name_filter)));
      return pageOf(ArrayPrototypeMap(roles, publicRole), params, 'roles');
    },
  };

  function call(name, args) {
    host.record(`management.${name}`, JSONStringify(ArrayPrototypeFilter(args, (a) => a !== undefined)));
    return p.ReflectApply(ops[name], undefined, args);
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
    const [method, path] = PATHS[name];
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
  function settleV2(name, args, cb, domain) {
    let result;
    let failure;
    try {
      result = call(name, args);
    } catch (e) {
      if (!(e instanceof HttpFailure)) throw e;
      failure = errorV2(e, name, domain);
    }
    if (typeof cb === 'function') {
      rt.timers.setTimeout(() => (failure === undefined ? cb(null, result === undefined ? '' : result) : cb(failure)), 0);
      return undefined;
    }
    return failure === undefined ? Promise.resolve(result === undefined ? '' : result) : Promise.reject(failure);
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
    const domain = options.domain;
    const users = guard({
      get: (params, cb) => settleV2('users.get', [idOf(params, 'get')], cb, domain),
      update: (params, data, cb) => settleV2('users.update', [idOf(params, 'update'), data], cb, domain),
      updateAppMetadata: (params, metadata, cb) => settleV2('users.update', [idOf(params, 'updateAppMetadata'), { app_metadata: metadata }], cb, domain),
      updateUserMetadata: (params, metadata, cb) => settleV2('users.update', [idOf(params, 'updateUserMetadata'), { user_metadata: metadata }], cb, domain),
      getAll: (params, cb) => (typeof params === 'function' ? settleV2('users.getAll', [{}], params, domain) : settleV2('users.getAll', [params || {}], cb, domain)),
      getByEmail: (email, opts, cb) => settleV2('usersByEmail.getByEmail', [email], typeof opts === 'function' ? opts : cb, domain),
      link: (userId, params, cb) => {
        if (userId === null || userId === undefined) throw argumentError('The userId cannot be null or undefined');
        if (typeof userId !== 'string') throw argumentError('The userId has to be a string');
        return settleV2('users.link', [userId, params], cb, domain);
      },
      unlink: (params, cb) => {
        if (!params || !params.id) throw argumentError('id field is required');
        if (!params.user_id) throw argumentError('user_id field is required');
        if (!params.provider) throw argumentError('provider field is required');
        return settleV2('users.unlink', [params.id, params.provider, params.user_id], cb, domain);
      },
      assignRoles: (params, data, cb) => {
        if (!params || params.id === null || params.id === undefined) throw argumentError('The user_id cannot be null or undefined');
        return settleV2('users.assignRoles', [params.id, data], cb, domain);
      },
      removeRoles: (params, data, cb) => settleV2('users.deleteRoles', [idOf(params, 'removeRoles'), data], cb, domain),
      getRoles: (params, cb) => settleV2('users.getRoles', [idOf(params, 'getRoles'), paging(params)], cb, domain),
      getPermissions: (params, cb) => settleV2('users.getPermissions', [idOf(params, 'getPermissions'), paging(params)], cb, domain),
      delete: (params, cb) => settleV2('users.delete', [idOf(params, 'delete')], cb, domain),
      create: (data, cb) => settleV2('users.create', [data], cb, domain),
    }, 'ManagementClient.users', version);
    const roles = guard({
      getAll: (params, cb) => (typeof params === 'function' ? settleV2('roles.getAll', [{}], params, domain) : settleV2('roles.getAll', [params || {}], cb, domain)),
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

  // ---- 4.x ----------------------------------------------------------------
  function settleV4(name, args) {
    return new Promise((resolve, reject) => {
      try {
        const data = call(name, args);
        resolve({ data, headers: {}, status: data === undefined ? 204 : name === 'users.create' ? 201 : 200, statusText: data === undefined ? 'No Content' : 'OK' });
      } catch (e) {
        reject(e instanceof HttpFailure ? new ManagementApiError(e) : e);
      }
    });
  }
  function requireId(params) {
    if (params === null || params === undefined || params.id === null || params.id === undefined) throw new RequiredError('id');
    return params.id;
  }
  const v4 = (fn) => (...args) => {
    try {
      return fn(...args);
    } catch (e) {
      return Promise.reject(e);
    }
  };
  function managementV4(options, version) {
    checkOptions(options, 'Management');
    const users = guard({
      get: v4((params) => settleV4('users.get', [requireId(params)])),
      update: v4((params, body) => settleV4('users.update', [requireId(params), body])),
      getAll: v4((params) => settleV4('users.getAll', [params || {}])),
      link: v4((params, body) => settleV4('users.link', [requireId(params), body])),
      unlink: v4((params) => {
        requireId(params);
        if (!params.provider) throw new RequiredError('provider');
        if (!params.user_id) throw new RequiredError('user_id');
        return settleV4('users.unlink', [params.id, params.provider, params.user_id]);
      }),
      assignRoles: v4((params, body) => settleV4('users.assignRoles', [requireId(params), body])),
      deleteRoles: v4((params, body) => settleV4('users.deleteRoles', [requireId(params), body])),
      getRoles: v4((params) => settleV4('users.getRoles', [requireId(params), paging(params)])),
      getPermissions: v4((params) => settleV4('users.getPermissions', [requireId(params), paging(params)])),
      delete: v4((params) => settleV4('users.delete', [requireId(params)])),
      create: v4((body) => settleV4('users.create', [body])),
    }, 'ManagementClient.users', version);
    const usersByEmail = guard({
      getByEmail: v4((params) => {
        if (!params || params.email === null || params.email === undefined) throw new RequiredError('email');
        return settleV4('usersByEmail.getByEmail', [params.email]);
      }),
    }, 'ManagementClient.usersByEmail', version);
    const roles = guard({ getAll: v4((params) => settleV4('roles.getAll', [params || {}])) }, 'ManagementClient.roles', version);
    return guard({ users, usersByEmail, roles }, 'ManagementClient', version);
  }

  // ---- 5.x ----------------------------------------------------------------
  function settleV5(name, args) {
    const promise = new Promise((resolve, reject) => {
      try {
        resolve(call(name, args));
      } catch (e) {
        reject(e instanceof HttpFailure ? errorV5(e, name) : e);
      }
    });
    promise.withRawResponse = () => p.PromisePrototypeThen(promise, (data) => ({ data, rawResponse: { headers: {}, status: 200, statusText: 'OK', url: '' } }));
    return promise;
  }
  // A v5 Page over a list operation: .data is the current page's items.
  function pageV5(name, args, key, params) {
    return new Promise((resolve, reject) => {
      const fetchPage = (pageNumber) => {
        const pageParams = { per_page: 50, include_totals: true, ...(params || {}), page: pageNumber };
        const callArgs = ArrayPrototypeSlice(args);
        ArrayPrototypePush(callArgs, pageParams);
        return call(name, callArgs);
      };
      let response;
      try {
        response = fetchPage(params && params.page !== undefined ? +params.page : 0);
      } catch (e) {
        reject(e instanceof HttpFailure ? errorV5(e, name) : e);
        return;
      }
      const page = {
        data: response[key],
        response,
        rawResponse: { headers: {}, status: 200, statusText: 'OK', url: '' },
        hasNextPage() {
          return this.response.start + this.response.length < this.response.total;
        },
        async getNextPage() {
          this.response = fetchPage(this.response.start / this.response.limit + 1);
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
      };
      resolve(page);
    });
  }
  function requireString(value, name) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
    return value;
  }
  const v5 = v4;
  function managementV5(options, version) {
    checkOptions(options, 'Management');
    const users = guard({
      get: v5((id) => settleV5('users.get', [requireString(id, 'id')])),
      update: v5((id, body = {}) => settleV5('users.update', [requireString(id, 'id'), body])),
      list: v5((params) => pageV5('users.getAll', [], 'users', params)),
      listUsersByEmail: v5((params) => settleV5('usersByEmail.getByEmail', [params && params.email])),
      delete: v5((id) => settleV5('users.delete', [requireString(id, 'id')])),
      create: v5((body) => settleV5('users.create', [body])),
      identities: guard({
        link: v5((id, body = {}) => settleV5('users.link', [requireString(id, 'id'), body])),
        delete: v5((id, provider, userId) => settleV5('users.unlink', [requireString(id, 'id'), requireString(provider, 'provider'), requireString(userId, 'user_id')])),
      }, 'ManagementClient.users.identities', version),
      roles: guard({
        assign: v5((id, body) => settleV5('users.assignRoles', [requireString(id, 'id'), body])),
        delete: v5((id, body) => settleV5('users.deleteRoles', [requireString(id, 'id'), body])),
        list: v5((id, params) => pageV5('users.getRoles', [requireString(id, 'id')], 'roles', params)),
      }, 'ManagementClient.users.roles', version),
      permissions: guard({
        list: v5((id, params) => pageV5('users.getPermissions', [requireString(id, 'id')], 'permissions', params)),
      }, 'ManagementClient.users.permissions', version),
    }, 'ManagementClient.users', version);
    const roles = guard({ list: v5((params) => pageV5('roles.getAll', [], 'roles', params)) }, 'ManagementClient.roles', version);
    return guard({ users, roles }, 'ManagementClient', version);
  }

  // ---- AuthenticationClient -----------------------------------------------
  // The client-credentials grant answers with an opaque stand-in token:
  // actionbox never holds the tenant's keys for other audiences.
  function grantToken(options, params) {
    const clientId = (params && params.client_id) || options.clientId;
    const audience = params && params.audience;
    const scope = params && params.scope;
    host.record('authentication.oauth.clientCredentialsGrant', JSONStringify([{ audience, scope, client_id: clientId }]));
    const now = p.MathFloor(p.DateNow() / 1000);
    const header = host.base64Encode(rt.utf8Encode(JSONStringify({ alg: 'none', typ: 'JWT' })), true);
    const claims = { iss: `https://${options.domain}/`, sub: `${clientId}@clients`, aud: audience, iat: now, exp: now + 86400, gty: 'client-credentials', azp: clientId };
    if (scope) claims.scope = scope;
    const body = host.base64Encode(rt.utf8Encode(JSONStringify(claims)), true);
    const token = { access_token: `${header}.${body}.actionbox-emulated`, token_type: 'Bearer', expires_in: 86400 };
    if (scope) token.scope = scope;
    return token;
  }
  function authenticationClient(major, version) {
    return function AuthenticationClient(options) {
      checkOptions(options, 'Authentication');
      if (major < 4) {
        const grant = (params, cb) => {
          if (params === null || typeof params !== 'object') throw argumentError('Missing options object');
          const token = grantToken(options, params);
          if (typeof cb === 'function') {
            rt.timers.setTimeout(() => cb(null, token), 0);
            return undefined;
          }
          return Promise.resolve(token);
        };
        return guard({ clientCredentialsGrant: grant, oauth: guard({ clientCredentialsGrant: grant }, 'AuthenticationClient.oauth', version) }, 'AuthenticationClient', version);
      }
      const oauth = guard({
        clientCredentialsGrant: v4((params) => {
          if (!params || params.audience === null || params.audience === undefined) throw new RequiredError('audience');
          return Promise.resolve({ data: grantToken(options, params), headers: {}, status: 200, statusText: 'OK' });
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
