// require: Node's built-in modules, the emulated packages, Actions
// Modules and real packages. Loaded the first time a script calls
// `require` (core.js's `rt.makeRequire` hands the calls over).
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectCreate, ReflectApply, TypeError, Error } = p;

  // require, resolving in this order: Actions Modules (`actions:name`),
  // Node's built-in modules actionbox provides, the npm packages it
  // emulates, then real packages from the node_modules folders the user
  // named (read by the host, which never leaves them). A Rule's versioned
  // form `name@1.2.3` names the same module.
  // Node's built-in modules and the emulated packages, as data: `name
  // file path` where the module is what the file leaves at `rt.<path>`
  // (`path()` is called with the version a Rule asked for). Read into
  // `builtins` and `packages` the first time a script requires something:
  // most executions never do, and a function per entry would be created
  // in every isolate.
  const BUILTINS = 'util node/util util;buffer node/buffer bufferModule;string_decoder node/buffer stringDecoderModule;' +
    'crypto node/crypto crypto;events node/events EventEmitter;querystring node/querystring querystring;' +
    'path node/path path;path/posix node/path path;zlib node/zlib zlib;assert node/assert assert;' +
    'assert/strict node/assert assert.strict;timers node/web timers;timers/promises node/web timersPromises;' +
    'util/types node/util util.types;process node/web process;url node/url urlModule;stream node/stream stream;' +
    'stream/promises node/stream stream.promises;http node/http http;https node/http https;os node/os os;' +
    'fs node/fs fs;fs/promises node/fs fs.promises;tty node/os tty;net node/net net;tls node/net tls;http2 node/net http2;dns node/net dns;dns/promises node/net dns.promises';
  const PACKAGES = 'axios packages/axios axios;node-fetch node/fetch nodeFetch;request packages/request request;' +
    'request-promise packages/request requestPromise;request-promise-native packages/request requestPromise;' +
    'jsonwebtoken packages/jsonwebtoken jsonwebtoken;uuid packages/uuid uuid();uuid/v1 packages/uuid uuidV1;' +
    'uuid/v4 packages/uuid uuidV4;auth0 packages/auth0 auth0()';
  let builtins;
  let packages;
  const table = (text, entry) => {
    const out = ObjectCreate(null);
    const rows = p.StringPrototypeSplit(text, ';');
    for (let i = 0; i < rows.length; i++) {
      // Indexed, not destructured: a script may have replaced the array
      // iterator by the time of the first require.
      const row = p.StringPrototypeSplit(rows[i], ' ');
      out[row[0]] = entry(row[1], row[2]);
    }
    return out;
  };
  // The module a table row names, its file loaded.
  const pick = (file, path, version) => {
    rt.load(file);
    const call = p.StringPrototypeEndsWith(path, '()');
    const keys = p.StringPrototypeSplit(call ? p.StringPrototypeSlice(path, 0, -2) : path, '.');
    let holder = rt;
    let value = rt[keys[0]];
    for (let i = 1; i < keys.length; i++) {
      holder = value;
      value = value[keys[i]];
    }
    return call ? ReflectApply(value, holder, [version]) : value;
  };
  const tables = () => {
    if (builtins === undefined) {
      builtins = table(BUILTINS, (file, path) => ({ file, path, exports: undefined, loaded: false }));
      // factory(version) -> exports; version is the one a Rule asked for, if any.
      packages = table(PACKAGES, (file, path) => (version) => pick(file, path, version));
    }
  };
  // `name@1.2.3` → [name, version]; `@scope/name@1.2.3/sub` keeps its subpath.
  rt.splitVersion = function (id) {
    // Only a bare package name carries a version; a path keeps its '@'s.
    if (p.StringPrototypeStartsWith(id, '.') || p.StringPrototypeStartsWith(id, '/')) return [id, undefined];
    let name = p.StringPrototypeStartsWith(id, 'node:') ? p.StringPrototypeSlice(id, 5) : id;
    const scoped = p.StringPrototypeStartsWith(name, '@');
    const at = p.StringPrototypeIndexOf(name, '@', scoped ? 1 : 0);
    if (at <= 0) return [name, undefined];
    const rest = p.StringPrototypeSlice(name, at + 1);
    const slash = p.StringPrototypeIndexOf(rest, '/');
    const version = slash === -1 ? rest : p.StringPrototypeSlice(rest, 0, slash);
    const sub = slash === -1 ? '' : p.StringPrototypeSlice(rest, slash);
    return [p.StringPrototypeSlice(name, 0, at) + sub, version];
  };
  rt.moduleName = function (id) {
    return rt.splitVersion(id)[0];
  };
  const moduleCache = rt.moduleCache;
  const ACTION_MODULE = 'actions:';

  function notFound(id, from, why) {
    const err = new Error(`Cannot find module '${id}'\nRequire stack:\n- ${from}\n${why}`);
    err.code = 'MODULE_NOT_FOUND';
    return err;
  }

  function runModule(path, source, params, values) {
    const module = { exports: {}, id: path, filename: path, loaded: false, children: [], paths: [] };
    moduleCache[path] = module;
    try {
      const fn = host.compileModule(path, source, params);
      p.ReflectApply(fn, module.exports, values(module));
    } catch (err) {
      delete moduleCache[path];
      throw err;
    }
    module.loaded = true;
    return module.exports;
  }

  // Emulated packages whose real code runs when it can be installed.
  const REAL_FIRST = {
    __proto__: null,
    jsonwebtoken: true,
    uuid: true,
    axios: true,
    'node-fetch': true,
    request: true,
    'request-promise': true,
    'request-promise-native': true,
    auth0: true,
  };
  // `auth0` at any version asked for or declared (its calls reach the
  // tenant the host answers); without one, actionbox's client answers.
  const realWanted = (root, version) => root !== 'auth0' || (version !== undefined && version !== null && version !== '');
  rt.packageRoot = (name) => {
    const parts = p.StringPrototypeSplit(name, '/');
    return p.StringPrototypeStartsWith(name, '@') ? `${parts[0]}/${parts[1]}` : parts[0];
  };
  rt.makeModuleRequire = function (from) {
    function require(id) {
      if (typeof id !== 'string') {
        const err = new TypeError(`The "id" argument must be of type string. Received ${rt.describeReceived(id)}`);
        err.code = 'ERR_INVALID_ARG_TYPE';
        throw err;
      }
      if (id === '') {
        const err = new TypeError("The argument 'id' must be a non-empty string. Received ''");
        err.code = 'ERR_INVALID_ARG_VALUE';
        throw err;
      }
      if (p.StringPrototypeStartsWith(id, ACTION_MODULE)) return actionModule(id, from);
      const parts = rt.splitVersion(id);
      const name = parts[0];
      tables();
      const entry = builtins[name];
      if (entry !== undefined) {
        if (!entry.loaded) {
          entry.exports = pick(entry.file, entry.path);
          entry.loaded = true;
        }
        return entry.exports;
      }
      let factory = packages[name];
      // The real package when the registry (or the cache) gives it; the
      // emulation when it cannot (undeclared, registry unreachable), and
      // always for the packages that cannot work here (docs/packages.md).
      let real;
      if (factory !== undefined && REAL_FIRST[rt.packageRoot(name)] === true
        && realWanted(rt.packageRoot(name), parts[1] !== undefined ? parts[1] : host.dependencyVersion(rt.packageRoot(name)))) {
        real = host.requireResolve(from, parts[1] === undefined ? name : id);
        if (real[2] === undefined) factory = undefined;
      }
      if (factory !== undefined) {
        // A Rule's `name@1.2.3`, else the version the script declares.
        const version = parts[1] !== undefined ? parts[1] : host.dependencyVersion(name);
        const key = `package:${name}@${version || ''}`;
        if (moduleCache[key] === undefined) {
          moduleCache[key] = { exports: factory(version) };
          // The outcome says an emulation answered, not the real package.
          host.packageEmulated(name, version || '');
        }
        return moduleCache[key].exports;
      }
      // The version travels with the name: the host installs that version.
      const found = real !== undefined ? real : host.requireResolve(from, parts[1] === undefined ? name : id);
      if (found[2] !== undefined) {
        throw notFound(id, from, `${found[2]}.\nactionbox provides Node's built-in modules ${rt.builtinList()}, emulates the packages ${rt.packageList()}, and installs other packages from the npm registry (docs/packages.md) or loads them from a folder given with --node-modules DIR.`);
      }
      const path = found[0];
      const cached = moduleCache[path];
      if (cached !== undefined) return cached.exports;
      if (found[3] === true) return requireEsModule(path, found[1]);
      if (p.StringPrototypeEndsWith(path, '.json')) {
        const module = { exports: p.JSONParse(found[1]) };
        moduleCache[path] = module;
        return module.exports;
      }
      const dirname = p.StringPrototypeSlice(path, 0, p.StringPrototypeLastIndexOf(path, '/'));
      return runModule(path, found[1], 'exports, require, module, __filename, __dirname',
        (module) => [module.exports, rt.makeModuleRequire(path), module, path, dirname]);
    }
    require.resolve = function resolve(id) {
      const name = rt.moduleName(id);
      tables();
      if (builtins[name] !== undefined || packages[name] !== undefined) return name;
      const found = host.requireResolve(from, name);
      if (found[2] !== undefined) throw notFound(id, from, found[2]);
      return found[0];
    };
    require.cache = moduleCache;
    return require;
  };

  // An ES module, as Node 22 requires one: its namespace object. Its
  // imports resolve as `require` does from the importing file
  // (src/engine/esm.rs); what is not an ES module file is `require`d,
  // through the hook set while the graph loads.
  const REQUIRE_HOOK = '__actionbox_require_for_import';
  let importing = 0;
  function requireEsModule(path, source) {
    const module = { exports: undefined, id: path, filename: path, loaded: false, children: [], paths: [] };
    moduleCache[path] = module;
    if (importing++ === 0) {
      p.ObjectDefineProperty(p.globalThis, REQUIRE_HOOK, {
        value: (from, request) => rt.makeModuleRequire(from)(request),
        configurable: true, enumerable: false, writable: false,
      });
    }
    try {
      module.exports = host.importModule(path, source);
    } catch (err) {
      delete moduleCache[path];
      throw err;
    } finally {
      if (--importing === 0) delete p.globalThis[REQUIRE_HOOK];
    }
    module.loaded = true;
    return module.exports;
  }

  // Actions Modules: shared code of the tenant, with its own secrets.
  function actionModule(id, from) {
    const name = p.StringPrototypeSlice(id, ACTION_MODULE.length);
    const key = `actions:${name}`;
    const cached = moduleCache[key];
    if (cached !== undefined) return cached.exports;
    const source = host.actionModule(name);
    if (source === undefined) {
      throw notFound(id, from, `No Actions Module named '${name}': give one with --module ${name}=FILE, or load the tenant folder that defines it.`);
    }
    const actions = { secrets: {} };
    return runModule(key, source, 'exports, require, module, actions',
      (module) => [module.exports, rt.makeModuleRequire(key), module, actions]);
  }

  rt.builtinList = function () {
    tables();
    return p.ArrayPrototypeJoin(p.ArrayPrototypeFilter(p.ObjectKeys(builtins), (n) => !p.StringPrototypeIncludes(n, '/')), ', ');
  };
  rt.packageList = function () {
    tables();
    return p.ArrayPrototypeJoin(p.ObjectKeys(packages), ', ');
  };
})
