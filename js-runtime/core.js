// The globals every script sees whatever its kind: console and timers.
// Output and timers live in the host; this file only shapes them like Node.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectDefineProperty, ObjectCreate, ObjectFreeze, ReflectApply, ArrayPrototypeSlice, TypeError } = p;
  const g = p.globalThis;

  function define(target, name, value) {
    ObjectDefineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
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
    log(level, groupIndent === '' ? text : groupIndent + p.StringPrototypeReplace(text, /\n/g, '\n' + groupIndent));
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
    if (!condition) {
      const text = args.length === 0 ? 'Assertion failed' : 'Assertion failed: ' + rt.formatArgs(args);
      host.log('error', text);
    }
  });
  define(console, 'count', function (label = 'default') {
    label = `${label}`;
    counts[label] = (counts[label] || 0) + 1;
    host.log('info', `${label}: ${counts[label]}`);
  });
  define(console, 'countReset', function (label = 'default') {
    delete counts[`${label}`];
  });
  define(console, 'group', function (...args) {
    if (args.length > 0) host.log('log', groupIndent + rt.formatArgs(args));
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
      host.log('warn', `Warning: No such label '${label}' for console.time${end ? 'End' : 'Log'}()`);
      return;
    }
    if (end) delete timers[label];
    const ms = host.monotonicMs() - start;
    const extra = data.length > 0 ? ' ' + rt.formatArgs(data) : '';
    host.log('info', `${label}: ${p.NumberPrototypeToFixed(ms, 3)}ms${extra}`);
  };
  define(console, 'timeLog', timeLog(false));
  define(console, 'timeEnd', timeLog(true));
  define(g, 'console', console);

  // Timers run on the execution's clock, in the host's event loop; the host
  // calls the callback itself (no runtime frame is on the stack then) and
  // forgets every timer when the execution ends.
  const timerCallbacks = ObjectCreate(null);
  rt.timerCallbacks = timerCallbacks;

  class Timeout {
    constructor(id) {
      ObjectDefineProperty(this, 'id', { value: id });
    }
    ref() { return this; }
    unref() { return this; }
    hasRef() { return true; }
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

  // require: modules come only from the registry the runtime fills
  // (built-ins it provides); anything else fails with an error that says
  // what to do. A Rule's versioned form `name@1.2.3` names the same module.
  const builtins = ObjectCreate(null);
  rt.defineBuiltin = function (name, factory) {
    builtins[name] = { factory, exports: undefined, loaded: false };
  };
  rt.moduleName = function (id) {
    let name = p.StringPrototypeStartsWith(id, 'node:') ? p.StringPrototypeSlice(id, 5) : id;
    const at = p.StringPrototypeLastIndexOf(name, '@');
    if (at > 0) name = p.StringPrototypeSlice(name, 0, at);
    return name;
  };
  rt.makeRequire = function (from) {
    return function require(id) {
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
      const entry = builtins[rt.moduleName(id)];
      if (entry !== undefined) {
        if (!entry.loaded) {
          entry.exports = entry.factory();
          entry.loaded = true;
        }
        return entry.exports;
      }
      const err = new Error(`Cannot find module '${id}'\nRequire stack:\n- ${from}\n` +
        `actionbox cannot load '${id}': it is not one of the modules actionbox provides (${rt.builtinList()}).`);
      err.code = 'MODULE_NOT_FOUND';
      throw err;
    };
  };
  rt.builtinList = function () {
    return p.ArrayPrototypeJoin(p.ObjectKeys(builtins), ', ');
  };
  rt.defineBuiltin('util', () => ({
    inspect: rt.inspect,
    format: rt.format,
    formatWithOptions: rt.formatWithOptions,
  }));

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
