// The globals of the legacy Rules runtime: `configuration`, `global`,
// `UnauthorizedError`, `auth0` (a restricted Management API client) and a
// `require` that accepts Auth0's versioned form `name@1.2.3`. The Rule
// itself and its `callback` are driven from Rust.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectDefineProperty, ObjectKeys, JSONStringify, PromisePrototypeThen, ObjectCreate } = p;
  const g = p.globalThis;

  function define(name, value) {
    ObjectDefineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  }

  // As in auth0-authz-rules-api: an Error with name, code, description and
  // statusCode, which Auth0 turns into error=unauthorized.
  class UnauthorizedError extends p.Error {
    constructor(message) {
      super(message);
      this.name = 'UnauthorizedError';
      this.code = 'unauthorized';
      this.description = message;
      this.statusCode = 401;
    }
  }

  // What each Rule passed to its callback, by index; read by Rust.
  const results = ObjectCreate(null);
  rt.ruleResults = results;

  // A callback for one Rule. A second call is ignored and reported.
  rt.ruleCallback = function (index, name) {
    return function callback(error, user, context) {
      if (results[index] !== undefined) {
        host.warn(`callback was called more than once; the extra call was ignored`, name);
        return;
      }
      results[index] = { error, user, context, arity: arguments.length };
    };
  };

  // The modules Auth0's Rules sandbox put on the global object, so Rules
  // use them without `require` (`request.get(...)`, `_.extend`, `jwt.sign`),
  // as Auth0's package of them, auth0-authz-rules-api, lists them. Each is
  // the real package at the Rules' default version (docs/packages.md),
  // loaded on first use; the database helpers, which open their own
  // sockets, fail with the one message saying scripts cannot.
  // (src/packages/mod.rs: RULES_SANDBOX_GLOBALS lists the packages, to
  // install them before the clock starts.)
  const SANDBOX_MODULES = {
    __proto__: null,
    request: 'request',
    _: 'lodash',
    async: 'async',
    uuid: 'uuid',
    q: 'q',
    xtend: 'xtend',
    xmldom: 'xmldom',
    xml2js: 'xml2js',
    xpath: 'xpath',
    querystring: 'querystring',
    pg: 'pg',
    Knex: 'knex',
    cql: 'node-cassandra-cql',
    Pubnub: 'pubnub',
    couchbase: 'couchbase',
    azure_storage: 'azure-storage',
    bcrypt: 'bcrypt',
    Auth0: 'auth0',
  };
  // One function is the global's getter (no argument) and its setter (one
  // argument), as core.js's lazy globals: three function objects per global
  // would be made for every Rule.
  function lazy(name, load) {
    const access = function (value) {
      if (arguments.length === 0) value = load();
      ObjectDefineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
      return value;
    };
    ObjectDefineProperty(g, name, { configurable: true, enumerable: false, get: access, set: access });
  }
  function installSandboxGlobals(require) {
    const names = ObjectKeys(SANDBOX_MODULES);
    for (let i = 0; i < names.length; i++) {
      const name = names[i];
      lazy(name, () => require(SANDBOX_MODULES[name]));
    }
    lazy('ObjectID', () => require('mongodb').ObjectID);
    lazy('pbkdf2', () => require('easy-pbkdf2')());
    // jsonwebtoken behind the 0.4 API Rules were written against:
    // `expiresInMinutes` becomes `expiresIn`.
    lazy('jwt', () => {
      const jwt = require('jsonwebtoken');
      return {
        decode: jwt.decode,
        sign(payload, secret, options) {
          let given = options;
          if (given && given.expiresInMinutes) {
            given = { expiresIn: `${given.expiresInMinutes}m`, ...given };
            delete given.expiresInMinutes;
          }
          return jwt.sign(payload, secret, given);
        },
        verify: jwt.verify,
      };
    });
    // Node's crypto, whose createCipheriv also takes a key as a binary string.
    lazy('crypto', () => {
      const crypto = require('crypto');
      const shimmed = ObjectCreate(crypto);
      shimmed.createCipheriv = function createCipheriv(alg, key, iv, options) {
        const bytes = typeof key === 'string' ? g.Buffer.from(key, 'binary') : key;
        return crypto.createCipheriv(alg, bytes, iv, options);
      };
      return shimmed;
    });
    lazy('ip', () => (address) => ({
      in_range(ranges) {
        return require('range_check@0.0.1').in_range(address, ranges);
      },
    }));
    const noSockets = (what) => () => { throw rt.socketCapabilityError(what); };
    define('mongo', noSockets('mongo (the Rules global connecting to MongoDB)'));
    define('mysql', noSockets('mysql (the Rules global connecting to MySQL)'));
    define('mysql_pool', noSockets('mysql_pool (the Rules global connecting to MySQL)'));
    define('postgres', noSockets('postgres (the Rules global connecting to PostgreSQL)'));
    lazy('sqlserver', () => ({
      connect: noSockets('sqlserver.connect (the Rules global connecting to SQL Server)'),
      get Request() { return require('tedious').Request; },
      get Types() { return require('tedious').TYPES; },
    }));
  }

  rt.installRuleGlobals = function (info) {
    rt.isRules = true;
    define('configuration', info.configuration);
    // Rules keep their own state on `global`; reads fall through to the
    // real globals, so packages' `global.Promise`, `global.Buffer` work.
    define('global', ObjectCreate(g));
    define('UnauthorizedError', UnauthorizedError);
    const require = rt.makeRequire('rules');
    define('require', require);
    installSandboxGlobals(require);

    // The stored metadata as updates through `auth0.users` leave it.
    const stored = { app_metadata: { ...info.appMetadata }, user_metadata: { ...info.userMetadata } };
    const update = (field, setter, call) => function (userId, metadata, cb) {
      if (typeof userId !== 'string' || userId === '') {
        return reject(new p.TypeError('The user id must be a non-empty string'), cb);
      }
      if (metadata === null || typeof metadata !== 'object' || p.ArrayIsArray(metadata)) {
        return reject(new p.TypeError(`The ${field} must be an object`), cb);
      }
      const copy = p.JSONParse(JSONStringify(metadata));
      if (userId === info.userId) {
        // The PATCH merges top-level keys; null deletes one.
        const keys = ObjectKeys(copy);
        for (let i = 0; i < keys.length; i++) {
          host.record(setter, JSONStringify([keys[i], copy[keys[i]]]), `auth0.users.${call}`);
          if (copy[keys[i]] === null) delete stored[field][keys[i]];
          else stored[field][keys[i]] = copy[keys[i]];
        }
      } else {
        host.record(`auth0.users.${call}`, JSONStringify([userId, copy]), `auth0.users.${call}`);
      }
      const updated = { user_id: userId, [field]: userId === info.userId ? { ...stored[field] } : copy };
      const promise = p.PromiseResolve(updated);
      if (typeof cb === 'function') {
        PromisePrototypeThen(promise, (user) => cb(null, user));
      }
      return promise;
    };
    function reject(error, cb) {
      if (typeof cb === 'function') {
        PromisePrototypeThen(p.PromiseResolve(), () => cb(error));
        return undefined;
      }
      return p.PromiseReject(error);
    }
    define('auth0', {
      users: {
        updateAppMetadata: update('app_metadata', 'user.setAppMetadata', 'updateAppMetadata'),
        updateUserMetadata: update('user_metadata', 'user.setUserMetadata', 'updateUserMetadata'),
      },
      accessToken: info.accessToken,
      domain: info.domain,
      baseUrl: `https://${info.domain}/api/v2`,
    });
  };
})
