// The globals every script sees whatever its kind: console and timers.
// Output and timers live in the host; this file only shapes them like Node.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectDefineProperty, ObjectCreate, ReflectApply, TypeError } = p;
  const g = p.globalThis;

  // WHATWG URL (url.js) is loaded the first time a script or the runtime
  // uses it; rt.URL and rt.URLSearchParams load it on first read.
  for (const name of ['URL', 'URLSearchParams']) {
    ObjectDefineProperty(rt, name, {
      configurable: true,
      get() {
        rt.load('url');
        return rt[name];
      },
      set(value) {
        ObjectDefineProperty(rt, name, { value, writable: true, configurable: true });
      },
    });
  }

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

  // console: every method formats like Node's and hands one line to the host,
  // which attributes it to the running script and caps the total size.
  const counts = ObjectCreate(null);
  const timers = ObjectCreate(null);
  let groupIndent = '';
  // Once the host's log cap is reached, nothing more is formatted.
  let full = false;
  const log = (level, text) => {
    if (!host.log(level, text)) full = true;
  };
  const emit = (level) => function (...args) {
    if (full) return;
    const text = rt.formatArgs(args);
    // Split on a string, not a RegExp: a script can replace RegExp methods.
    log(level, groupIndent === '' ? text : groupIndent + p.ArrayPrototypeJoin(p.StringPrototypeSplit(text, '\n'), '\n' + groupIndent));
  };
  const console = ObjectCreate(g.Object.prototype);
  define(console, 'log', emit('log'));
  define(console, 'info', emit('info'));
  define(console, 'debug', emit('debug'));
  define(console, 'warn', emit('warn'));
  define(console, 'error', emit('error'));
  define(console, 'trace', function (...args) {
    if (full) return;
    log('error', 'Trace: ' + rt.formatArgs(args));
  });
  define(console, 'dir', function (value, options) {
    if (full) return;
    log('log', rt.inspect(value, options));
  });
  define(console, 'table', emit('log'));
  define(console, 'assert', function (condition, ...args) {
    if (!condition && !full) {
      const text = args.length === 0 ? 'Assertion failed' : 'Assertion failed: ' + rt.formatArgs(args);
      log('error', text);
    }
  });
  define(console, 'count', function (label = 'default') {
    label = `${label}`;
    counts[label] = (counts[label] || 0) + 1;
    log('info', `${label}: ${counts[label]}`);
  });
  define(console, 'countReset', function (label = 'default') {
    delete counts[`${label}`];
  });
  define(console, 'group', function (...args) {
    if (args.length > 0 && !full) log('log', groupIndent + rt.formatArgs(args));
    groupIndent += '  ';
  });
  define(console, 'groupCollapsed', console.group);
  define(console, 'groupEnd', function () {
    groupIndent = p.StringPrototypeSlice(groupIndent, 0, -2);
  });
  define(console, 'time', function (label = 'default') {
    timers[`${label}`] = host.monotonicMs();
  });
  const timeLog = (end) => function (label = 'default', ...data) {
    label = `${label}`;
    const start = timers[label];
    if (start === undefined) {
      log('warn', `Warning: No such label '${label}' for console.time${end ? 'End' : 'Log'}()`);
      return;
    }
    if (end) delete timers[label];
    if (full) return;
    const ms = host.monotonicMs() - start;
    const extra = data.length > 0 ? ' ' + rt.formatArgs(data) : '';
    log('info', `${label}: ${p.NumberPrototypeToFixed(ms, 3)}ms${extra}`);
  };
  define(console, 'timeLog', timeLog(false));
  define(console, 'timeEnd', timeLog(true));
  define(g, 'console', console);
  // Node's `global` is the global object itself (a Rule gets its own, see rules.js).
  define(g, 'global', g);

  // Timers run on the execution's clock, in the host's event loop; the host
  // calls the callback itself (no runtime frame is on the stack then) and
  // forgets every timer when the execution ends.
  const timerCallbacks = ObjectCreate(null);
  rt.timerCallbacks = timerCallbacks;

  const kRef = p.Symbol('ref');
  class Timeout {
    constructor(id) {
      ObjectDefineProperty(this, 'id', { value: id });
    }
    ref() {
      this[kRef] = true;
      host.timerRef(this.id, true);
      return this;
    }
    unref() {
      this[kRef] = false;
      host.timerRef(this.id, false);
      return this;
    }
    hasRef() { return this[kRef] !== false; }
    refresh() { return this; }
    [p.SymbolFor('nodejs.util.inspect.custom')]() { return `Timeout { id: ${this.id} }`; }
    [g.Symbol.toPrimitive]() { return this.id; }
  }
  class Immediate extends Timeout {}

  function schedule(callback, delay, args, repeat, Kind) {
    if (typeof callback !== 'function') {
      const err = new TypeError(`The "callback" argument must be of type function. Received ${rt.describeReceived(callback)}`);
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    let ms = +delay;
    if (!(ms >= 1 && ms <= 2147483647)) ms = 1;
    const id = host.timerStart(ms, repeat);
    timerCallbacks[id] = { callback, args };
    return new Kind(id);
  }
  function clear(timer) {
    let id = timer;
    if (timer instanceof Timeout) id = timer.id;
    id = +id;
    if (id > 0 && timerCallbacks[id] !== undefined) {
      delete timerCallbacks[id];
      host.timerClear(id);
    }
  }
  define(g, 'setTimeout', function setTimeout(callback, delay, ...args) {
    return schedule(callback, delay, args, false, Timeout);
  });
  define(g, 'setInterval', function setInterval(callback, delay, ...args) {
    return schedule(callback, delay, args, true, Timeout);
  });
  define(g, 'setImmediate', function setImmediate(callback, ...args) {
    const t = schedule(callback, 0, args, false, Immediate);
    return t;
  });
  define(g, 'clearTimeout', function clearTimeout(timer) { clear(timer); });
  define(g, 'clearInterval', function clearInterval(timer) { clear(timer); });
  define(g, 'clearImmediate', function clearImmediate(timer) { clear(timer); });
  // The runtime's own references, for the files loaded after a script ran
  // (which may have replaced the globals).
  rt.timers = {
    setTimeout: g.setTimeout, clearTimeout: g.clearTimeout, setInterval: g.setInterval,
    clearInterval: g.clearInterval, setImmediate: g.setImmediate, clearImmediate: g.clearImmediate,
  };
  rt.console = console;

  // require, resolving in this order: Actions Modules (`actions:name`),
  // Node's built-in modules actionbox provides, the npm packages it
  // emulates, then real packages from the node_modules folders the user
  // named (read by the host, which never leaves them). A Rule's versioned
  // form `name@1.2.3` names the same module.
  const builtins = ObjectCreate(null);
  const packages = ObjectCreate(null);
  const loaded = ObjectCreate(null);
  rt.defineBuiltin = function (name, factory) {
    builtins[name] = { factory, exports: undefined, loaded: false };
  };
  // factory(version) -> exports; version is the one a Rule asked for, if any.
  rt.definePackage = function (name, factory) {
    packages[name] = factory;
  };
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
      const entry = builtins[name];
      if (entry !== undefined) {
        if (!entry.loaded) {
          entry.exports = entry.factory();
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
    return p.ArrayPrototypeJoin(p.ArrayPrototypeFilter(p.ObjectKeys(builtins), (n) => !p.StringPrototypeIncludes(n, '/')), ', ');
  };
  rt.packageList = function () {
    return p.ArrayPrototypeJoin(p.ObjectKeys(packages), ', ');
  };
  const lazyBuiltin = (name, file, pick) => rt.defineBuiltin(name, () => {
    rt.load(file);
    return pick();
  });
  lazyBuiltin('util', 'node/util', () => rt.util);
  lazyBuiltin('buffer', 'node/buffer', () => rt.bufferModule);
  lazyBuiltin('string_decoder', 'node/buffer', () => rt.stringDecoderModule);
  lazyBuiltin('crypto', 'node/crypto', () => rt.crypto);
  lazyBuiltin('events', 'node/events', () => rt.EventEmitter);
  lazyBuiltin('querystring', 'node/querystring', () => rt.querystring);
  lazyBuiltin('path', 'node/path', () => rt.path);
  lazyBuiltin('path/posix', 'node/path', () => rt.path);
  lazyBuiltin('zlib', 'node/zlib', () => rt.zlib);
  lazyBuiltin('assert', 'node/assert', () => rt.assert);
  lazyBuiltin('assert/strict', 'node/assert', () => rt.assert.strict);
  lazyBuiltin('timers', 'node/web', () => rt.timers);
  lazyBuiltin('timers/promises', 'node/web', () => rt.timersPromises);
  lazyBuiltin('util/types', 'node/util', () => rt.util.types);
  lazyBuiltin('process', 'node/web', () => rt.process);
  lazyBuiltin('url', 'node/url', () => rt.urlModule);
  lazyBuiltin('stream', 'node/stream', () => rt.stream);
  lazyBuiltin('stream/promises', 'node/stream', () => rt.stream.promises);
  lazyBuiltin('http', 'node/http', () => rt.http);
  lazyBuiltin('https', 'node/http', () => rt.https);
  lazyBuiltin('os', 'node/os', () => rt.os);
  lazyBuiltin('fs', 'node/fs', () => rt.fs);
  lazyBuiltin('fs/promises', 'node/fs', () => rt.fs.promises);
  lazyBuiltin('tty', 'node/os', () => rt.tty);
  lazyBuiltin('net', 'node/net', () => rt.net);
  lazyBuiltin('tls', 'node/net', () => rt.tls);
  lazyBuiltin('dns', 'node/net', () => rt.dns);
  lazyBuiltin('dns/promises', 'node/net', () => rt.dns.promises);
  // What scripts cannot do here (nor on Auth0): one message, naming it.
  rt.socketCapabilityError = function (what) {
    const err = new Error(`${what}: scripts cannot open network connections, listen for them or resolve names in actionbox; only HTTP(S) requests through the host (fetch, http, https) are possible, answered by --http-mock or --allow-net (docs/node.md)`);
    err.code = 'ERR_ACTIONBOX_NO_SOCKETS';
    return err;
  };
  const lazyPackage = (name, file, pick) => rt.definePackage(name, (version) => {
    rt.load(file);
    return pick(version);
  });
  lazyPackage('axios', 'packages/axios', () => rt.axios);
  lazyPackage('node-fetch', 'node/fetch', () => rt.nodeFetch);
  lazyPackage('request', 'packages/request', () => rt.request);
  lazyPackage('request-promise', 'packages/request', () => rt.requestPromise);
  lazyPackage('request-promise-native', 'packages/request', () => rt.requestPromise);
  lazyPackage('jsonwebtoken', 'packages/jsonwebtoken', () => rt.jsonwebtoken);
  lazyPackage('uuid', 'packages/uuid', (version) => rt.uuid(version));
  lazyPackage('uuid/v1', 'packages/uuid', () => rt.uuidV1);
  lazyPackage('uuid/v4', 'packages/uuid', () => rt.uuidV4);
  lazyPackage('auth0', 'packages/auth0', (version) => rt.auth0(version));

  // Web and Node globals, loaded the first time a script touches them.
  function lazyGlobal(name, file, pick) {
    ObjectDefineProperty(g, name, {
      configurable: true,
      enumerable: false,
      get() {
        rt.load(file);
        const value = pick();
        ObjectDefineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
        return value;
      },
      set(value) {
        ObjectDefineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
      },
    });
  }
  for (const [name, file] of [
    ['URL', 'url'], ['URLSearchParams', 'url'],
    ['Buffer', 'node/buffer'], ['TextEncoder', 'node/buffer'], ['TextDecoder', 'node/buffer'],
    ['atob', 'node/buffer'], ['btoa', 'node/buffer'],
    ['fetch', 'node/fetch'], ['Headers', 'node/fetch'], ['Request', 'node/fetch'], ['Response', 'node/fetch'],
    ['AbortController', 'node/web'], ['DOMException', 'node/web'], ['AbortSignal', 'node/web'], ['Event', 'node/web'], ['EventTarget', 'node/web'],
    ['structuredClone', 'node/web'], ['performance', 'node/web'], ['process', 'node/web'],
    ['crypto', 'node/crypto'],
  ]) {
    lazyGlobal(name, file, () => rt.globals[name]);
  }
  rt.globals = ObjectCreate(null);

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
