// The globals every script sees whatever its kind: console and timers.
// Output and timers live in the host; this file only shapes them like Node.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectDefineProperty, ObjectCreate, ReflectApply, TypeError } = p;
  const g = p.globalThis;

  // WHATWG URL (url.js), the console (console.js) and the timers
  // (timers.js) are loaded the first time a script or the runtime uses
  // them; rt.URL, rt.URLSearchParams, rt.console and rt.timers load their
  // file on first read.
  const lazyRt = (name, file) => ObjectDefineProperty(rt, name, {
    configurable: true,
    get() {
      rt.load(file);
      return rt[name];
    },
    set(value) {
      ObjectDefineProperty(rt, name, { value, writable: true, configurable: true });
    },
  });
  lazyRt('URL', 'url');
  lazyRt('URLSearchParams', 'url');
  lazyRt('console', 'console');
  lazyRt('timers', 'timers');

  // Node's formatting (inspect.js) is loaded the first time something is
  // formatted: most executions never log an object.
  for (const name of ['inspect', 'format', 'formatArgs', 'formatWithOptions', 'errorToString', 'constructorName', 'brand', 'primitiveOf']) {
    rt[name] = function (...args) {
      rt.load('inspect');
      return ReflectApply(rt[name], this, args);
    };
  }

  function define(target, name, value) {
    ObjectDefineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  }

  // Engine errors in V8's words (errors.js): QuickJS calls
  // `Error.prepareStackTrace` as each error is made, after its message is
  // set, so the message is reworded there, before any script code sees the
  // error. Scripts still set and read `Error.prepareStackTrace` as in Node:
  // theirs runs after the rewording and gives the stack.
  {
    const ErrorCtor = g.Error;
    const nativeSetter = p.ReflectGetOwnPropertyDescriptor(ErrorCtor, 'prepareStackTrace').set;
    // QuickJS's own wording of the errors V8 words differently.
    const ENGINE = /^(cannot (read|set) property '|not a (function|constructor)$|value is not iterable$|'.*' is read-only$|.* is not initialized$|invalid array length$|cannot convert symbol to string$|empty array$)/s;
    let scriptPrepare;
    // The CallSite methods, taken from the first frames the engine makes
    // (before any script's prepareStackTrace can have seen one).
    let site;
    const siteOf = (frame) => {
      const proto = p.ObjectGetPrototypeOf(frame);
      const method = (name) => p.uncurry(proto[name]);
      site = {
        isNative: method('isNative'),
        getFileName: method('getFileName'),
        getFunction: method('getFunction'),
        getFunctionName: method('getFunctionName'),
        getLineNumber: method('getLineNumber'),
        getColumnNumber: method('getColumnNumber'),
      };
      rt.callSite = site;
    };
    // The stack text QuickJS writes itself when no prepareStackTrace is set.
    const formatStack = (frames) => {
      let out = '';
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i];
        const file = site.getFileName(frame);
        const line = site.getLineNumber(frame);
        const position = line === null ? '' : `:${line}:${site.getColumnNumber(frame)}`;
        if (site.getFunction(frame) === null && !site.isNative(frame)) {
          out += `    at ${file}${position}\n`;
          continue;
        }
        const name = site.getFunctionName(frame) || '<anonymous>';
        out += site.isNative(frame) ? `    at ${name} (native)\n` : `    at ${name} (${file === null ? '<null>' : file}${position})\n`;
      }
      return out;
    };
    const prepareStackTrace = function (error, frames) {
      if (site === undefined && frames.length > 0) siteOf(frames[0]);
      try {
        if (host.brand(error) === 'Error' && !host.isProxy(error)) {
          const own = p.ReflectGetOwnPropertyDescriptor(error, 'message');
          const message = own === undefined ? undefined : own.value;
          if (typeof message === 'string' && p.RegExpPrototypeTest(ENGINE, message)) {
            rt.load('errors');
            const worded = rt.nodeErrorMessage(message, frames);
            if (worded !== undefined) ObjectDefineProperty(error, 'message', { value: worded, writable: true, configurable: true, enumerable: false });
          }
        }
      } catch {
        // The engine's own wording stays.
      }
      if (typeof scriptPrepare === 'function') return ReflectApply(scriptPrepare, ErrorCtor, [error, frames]);
      return site === undefined ? '' : formatStack(frames);
    };
    ReflectApply(nativeSetter, ErrorCtor, [prepareStackTrace]);
    ObjectDefineProperty(ErrorCtor, 'prepareStackTrace', {
      configurable: true,
      enumerable: false,
      get: function () { return scriptPrepare; },
      set: function (value) { scriptPrepare = value; },
    });

    // JSON.parse's syntax errors carry V8's message (errors.js reads the
    // text as V8's parser does). The text is parsed first without the
    // reviver, so an error thrown by the reviver is never reworded.
    const JSONParse = p.JSONParse;
    const SyntaxErrorCtor = g.SyntaxError;
    rt.parseJson = {
      parse(text, reviver) {
        const source = `${text}`;
        let value;
        try {
          value = JSONParse(source);
        } catch (err) {
          rt.load('errors');
          const message = rt.nodeJsonErrorMessage(source);
          if (message === undefined) throw err;
          throw new SyntaxErrorCtor(message);
        }
        return typeof reviver === 'function' ? JSONParse(source, reviver) : value;
      },
    }.parse;
    define(g.JSON, 'parse', rt.parseJson);
  }

  // Node's `global` is the global object itself (a Rule gets its own, see rules.js).
  define(g, 'global', g);


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
    'fs node/fs fs;fs/promises node/fs fs.promises;tty node/os tty;net node/net net;tls node/net tls;dns node/net dns;dns/promises node/net dns.promises';
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
      const [name, file, path] = p.StringPrototypeSplit(rows[i], ' ');
      out[name] = entry(file, path);
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
  const loaded = ObjectCreate(null);
  // Loads a runtime file on demand and runs it with the host surface.
  rt.load = function (name) {
    if (loaded[name] === undefined) {
      loaded[name] = true;
      try {
        host.loadRuntime(name)(host, rt);
      } catch (err) {
        // Not loaded: the next use tries again (the lazy stubs would
        // otherwise call themselves forever).
        delete loaded[name];
        throw err;
      }
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
  const moduleCache = ObjectCreate(null);
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
  };
  rt.packageRoot = (name) => {
    const parts = p.StringPrototypeSplit(name, '/');
    return p.StringPrototypeStartsWith(name, '@') ? `${parts[0]}/${parts[1]}` : parts[0];
  };
  rt.makeRequire = function (from) {
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
      if (factory !== undefined && REAL_FIRST[rt.packageRoot(name)] === true) {
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
      if (p.StringPrototypeEndsWith(path, '.json')) {
        const module = { exports: p.JSONParse(found[1]) };
        moduleCache[path] = module;
        return module.exports;
      }
      const dirname = p.StringPrototypeSlice(path, 0, p.StringPrototypeLastIndexOf(path, '/'));
      return runModule(path, found[1], 'exports, require, module, __filename, __dirname',
        (module) => [module.exports, rt.makeRequire(path), module, path, dirname]);
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
      (module) => [module.exports, rt.makeRequire(key), module, actions]);
  }

  rt.builtinList = function () {
    tables();
    return p.ArrayPrototypeJoin(p.ArrayPrototypeFilter(p.ObjectKeys(builtins), (n) => !p.StringPrototypeIncludes(n, '/')), ', ');
  };
  rt.packageList = function () {
    tables();
    return p.ArrayPrototypeJoin(p.ObjectKeys(packages), ', ');
  };
  // What scripts cannot do here (nor on Auth0): one message, naming it.
  rt.socketCapabilityError = function (what) {
    const err = new Error(`${what}: scripts cannot open network connections, listen for them or resolve names in actionbox; only HTTP(S) requests through the host (fetch, http, https) are possible, answered by --http-mock or --allow-net (docs/node.md)`);
    err.code = 'ERR_ACTIONBOX_NO_SOCKETS';
    return err;
  };
  // Web and Node globals, the console and the timers, loaded the first
  // time a script touches them: each file leaves its globals in
  // `rt.globals`, and the first read (or write) of a global makes it an
  // ordinary property.
  rt.globals = ObjectCreate(null);
  function lazyGlobal(name, file) {
    ObjectDefineProperty(g, name, {
      configurable: true,
      enumerable: false,
      get() {
        rt.load(file);
        const value = rt.globals[name];
        ObjectDefineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
        return value;
      },
      set(value) {
        ObjectDefineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
      },
    });
  }
  const GLOBALS = [
    'console', 'console',
    'setTimeout', 'timers', 'clearTimeout', 'timers', 'setInterval', 'timers', 'clearInterval', 'timers',
    'setImmediate', 'timers', 'clearImmediate', 'timers',
    'URL', 'url', 'URLSearchParams', 'url',
    'Buffer', 'node/buffer', 'TextEncoder', 'node/buffer', 'TextDecoder', 'node/buffer',
    'atob', 'node/buffer', 'btoa', 'node/buffer',
    'fetch', 'node/fetch', 'Headers', 'node/fetch', 'Request', 'node/fetch', 'Response', 'node/fetch',
    'Blob', 'node/blob', 'File', 'node/blob', 'FormData', 'node/blob',
    'AbortController', 'node/web', 'DOMException', 'node/web', 'AbortSignal', 'node/web', 'Event', 'node/web', 'EventTarget', 'node/web',
    'structuredClone', 'node/web', 'performance', 'node/web', 'process', 'node/web',
    'crypto', 'node/crypto',
  ];
  for (let i = 0; i < GLOBALS.length; i += 2) lazyGlobal(GLOBALS[i], GLOBALS[i + 1]);

  // Node's ERR_INVALID_ARG_TYPE, for every runtime file.
  rt.invalidArgType = function (name, expected, value) {
    const err = new TypeError(`The "${name}" argument must be ${expected}. Received ${rt.describeReceived(value)}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    return err;
  };

  // Node's wording for a wrong argument type ("Received ...").
  rt.describeReceived = function (value) {
    if (value === null || value === undefined) return `${value}`;
    if (typeof value === 'function') return `function ${value.name}`;
    if (typeof value === 'object') return `an instance of ${rt.constructorName(value) || 'Object'}`;
    let shown = rt.inspect(value);
    if (shown.length > 28) shown = p.StringPrototypeSlice(shown, 0, 25) + '...';
    return `type ${typeof value} (${shown})`;
  };
})
