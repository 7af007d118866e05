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
  // Each lazy property below has one function as both its getter and its
  // setter (called with no argument, it reads; with one, it writes): a
  // function object is what each costs in every isolate.
  const lazyRt = (name, file) => {
    const access = function (value) {
      if (arguments.length === 0) {
        rt.load(file);
        return rt[name];
      }
      ObjectDefineProperty(rt, name, { value, writable: true, configurable: true });
    };
    ObjectDefineProperty(rt, name, { configurable: true, get: access, set: access });
  };
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


  const loaded = ObjectCreate(null);
  // Loads a runtime file on demand and runs it with the host surface.
  rt.load = function (name) {
    if (loaded[name] === undefined) {
      loaded[name] = true;
      try {
        host.loadRuntime(name, host)(host, rt);
      } catch (err) {
        // Not loaded: the next use tries again (the lazy stubs would
        // otherwise call themselves forever).
        delete loaded[name];
        throw err;
      }
    }
  };
  // require (modules.js) is loaded the first time a script calls it:
  // most executions never do. Each `require` made here hands its calls to
  // the real one, made for the same module on first use.
  const moduleCache = ObjectCreate(null);
  rt.moduleCache = moduleCache;
  rt.makeRequire = function (from) {
    let real;
    const target = () => {
      if (real === undefined) {
        rt.load('modules');
        real = rt.makeModuleRequire(from);
      }
      return real;
    };
    function require(id) {
      return target()(id);
    }
    require.resolve = function resolve(id) {
      return target().resolve(id);
    };
    require.cache = moduleCache;
    return require;
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
    const access = function (value) {
      if (arguments.length === 0) {
        rt.load(file);
        value = rt.globals[name];
      }
      ObjectDefineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
      return value;
    };
    ObjectDefineProperty(g, name, { configurable: true, enumerable: false, get: access, set: access });
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
