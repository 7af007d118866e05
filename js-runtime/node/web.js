// Web and Node globals that need no host service of their own: Event and
// EventTarget, AbortController/AbortSignal (with timeout and any),
// structuredClone, performance, the synthetic `process`, and the timers
// and timers/promises modules over the runtime's timers.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectDefineProperty, ObjectCreate, ArrayPrototypePush, ArrayPrototypeSplice, ArrayPrototypeSlice, TypeError, Promise, ReflectApply } = p;
  const g = p.globalThis;
  const inspectCustom = p.SymbolFor('nodejs.util.inspect.custom');
  const coreTimers = rt.timers;

  const invalidArg = rt.invalidArgType;

  // ---- Event, EventTarget -------------------------------------------------
  const kTarget = p.Symbol('target');
  const kStop = p.Symbol('stop');
  class Event {
    constructor(type, options = undefined) {
      if (arguments.length === 0) throw invalidArg('type', 'specified', undefined);
      this[kTarget] = null;
      this[kStop] = false;
      ObjectDefineProperty(this, 'type', { value: `${type}`, enumerable: true });
      ObjectDefineProperty(this, 'bubbles', { value: !!(options && options.bubbles), enumerable: true });
      ObjectDefineProperty(this, 'cancelable', { value: !!(options && options.cancelable), enumerable: true });
      this.defaultPrevented = false;
      this.timeStamp = host.monotonicMs();
    }
    get target() { return this[kTarget]; }
    get currentTarget() { return this[kTarget]; }
    get srcElement() { return this[kTarget]; }
    preventDefault() { if (this.cancelable) this.defaultPrevented = true; }
    stopPropagation() {}
    stopImmediatePropagation() { this[kStop] = true; }
    composedPath() { return this[kTarget] === null ? [] : [this[kTarget]]; }
    get [p.SymbolToStringTag]() { return 'Event'; }
  }

  const kListeners = p.Symbol('listeners');
  class EventTarget {
    constructor() {
      this[kListeners] = ObjectCreate(null);
    }
    addEventListener(type, listener, options = undefined) {
      if (listener === null || listener === undefined) return;
      const once = typeof options === 'object' && options !== null && !!options.once;
      const signal = typeof options === 'object' && options !== null ? options.signal : undefined;
      const list = this[kListeners][type] || (this[kListeners][type] = []);
      for (let i = 0; i < list.length; i++) if (list[i].listener === listener) return;
      const entry = { listener, once };
      ArrayPrototypePush(list, entry);
      if (signal !== undefined && signal !== null) {
        signal.addEventListener('abort', () => this.removeEventListener(type, listener), { once: true });
      }
    }
    removeEventListener(type, listener) {
      const list = this[kListeners][type];
      if (list === undefined) return;
      for (let i = 0; i < list.length; i++) {
        if (list[i].listener === listener) {
          ArrayPrototypeSplice(list, i, 1);
          return;
        }
      }
    }
    dispatchEvent(event) {
      if (!(event instanceof Event)) throw invalidArg('event', 'an instance of Event', event);
      event[kTarget] = this;
      const handler = this[`on${event.type}`];
      const list = ArrayPrototypeSlice(this[kListeners][event.type] || []);
      if (typeof handler === 'function') ReflectApply(handler, this, [event]);
      for (let i = 0; i < list.length && !event[kStop]; i++) {
        const entry = list[i];
        if (entry.once) this.removeEventListener(event.type, entry.listener);
        if (typeof entry.listener === 'function') ReflectApply(entry.listener, this, [event]);
        else if (entry.listener && typeof entry.listener.handleEvent === 'function') entry.listener.handleEvent(event);
      }
      return !event.defaultPrevented;
    }
    get [p.SymbolToStringTag]() { return 'EventTarget'; }
  }

  // ---- AbortController, AbortSignal ---------------------------------------
  // The legacy numeric codes DOMException still reports.
  const DOM_CODES = { IndexSizeError: 1, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11,
    SyntaxError: 12, InvalidCharacterError: 5, NetworkError: 19, AbortError: 20, TimeoutError: 23, DataCloneError: 25 };
  class DOMException extends p.Error {
    constructor(message = '', options = 'Error') {
      super(`${message}`);
      const name = typeof options === 'object' && options !== null ? `${options.name || 'Error'}` : `${options}`;
      ObjectDefineProperty(this, 'name', { value: name, configurable: true, writable: true });
      if (typeof options === 'object' && options !== null && 'cause' in options) {
        ObjectDefineProperty(this, 'cause', { value: options.cause, configurable: true, writable: true });
      }
    }
    get code() { return DOM_CODES[this.name] || 0; }
    get [p.SymbolToStringTag]() { return 'DOMException'; }
  }
  const domException = (message, name) => new DOMException(message, name);

  const kAborted = p.Symbol('aborted');
  const kReason = p.Symbol('reason');
  const kCreate = p.Symbol('create');
  // How long a timeout signal waits: fetch hands it to the host, which
  // performs requests while no script code runs.
  const kTimeoutMs = p.Symbol('timeoutMs');
  rt.kTimeoutMs = kTimeoutMs;
  class AbortSignal extends EventTarget {
    constructor(key) {
      if (key !== kCreate) throw new TypeError('Illegal constructor');
      super();
      this[kAborted] = false;
      this[kReason] = undefined;
      this.onabort = null;
    }
    get aborted() { return this[kAborted]; }
    get reason() { return this[kReason]; }
    throwIfAborted() {
      if (this[kAborted]) throw this[kReason];
    }
    static abort(reason = domException('This operation was aborted', 'AbortError')) {
      const signal = new AbortSignal(kCreate);
      signal[kAborted] = true;
      signal[kReason] = reason;
      return signal;
    }
    // Fires on the execution's clock; the execution does not wait for it.
    static timeout(ms) {
      if (typeof ms !== 'number') throw invalidArg('delay', 'of type number', ms);
      const signal = new AbortSignal(kCreate);
      // Unreferenced, as in Node: it does not count as work left pending.
      coreTimers.setTimeout(() => abort(signal, domException('The operation was aborted due to timeout', 'TimeoutError')), ms).unref();
      signal[kTimeoutMs] = ms;
      return signal;
    }
    static any(signals) {
      const signal = new AbortSignal(kCreate);
      for (const source of signals) {
        if (source.aborted) {
          signal[kAborted] = true;
          signal[kReason] = source.reason;
          return signal;
        }
      }
      for (const source of signals) {
        source.addEventListener('abort', () => abort(signal, source.reason), { once: true });
        const ms = source[kTimeoutMs];
        if (ms !== undefined && !(signal[kTimeoutMs] <= ms)) signal[kTimeoutMs] = ms;
      }
      return signal;
    }
    [inspectCustom]() { return `AbortSignal { aborted: ${this[kAborted]} }`; }
    get [p.SymbolToStringTag]() { return 'AbortSignal'; }
  }
  function abort(signal, reason) {
    if (signal[kAborted]) return;
    signal[kAborted] = true;
    signal[kReason] = reason;
    signal.dispatchEvent(new Event('abort'));
  }
  class AbortController {
    constructor() {
      ObjectDefineProperty(this, 'signal', { value: new AbortSignal(kCreate), enumerable: true });
    }
    abort(reason = domException('This operation was aborted', 'AbortError')) {
      abort(this.signal, reason);
    }
    get [p.SymbolToStringTag]() { return 'AbortController'; }
  }
  rt.domException = domException;
  rt.DOMException = DOMException;

  // ---- structuredClone ----------------------------------------------------
  const TYPED_ARRAYS = [p.Uint8Array, p.Int8Array, p.Uint8ClampedArray, p.Uint16Array, p.Int16Array,
    p.Uint32Array, p.Int32Array, p.Float32Array, p.Float64Array, p.BigInt64Array, p.BigUint64Array];
  function structuredClone(value) {
    if (arguments.length === 0) {
      throw new TypeError("Failed to execute 'structuredClone' on 'Window': 1 argument required, but only 0 present.");
    }
    const memory = new p.Map();
    function clone(v) {
      if (v === null || (typeof v !== 'object' && typeof v !== 'function')) {
        if (typeof v === 'symbol') throw domException(`${p.SymbolPrototypeToString(v)} could not be cloned.`, 'DataCloneError');
        return v;
      }
      if (typeof v === 'function') throw domException(`${rt.inspect(v)} could not be cloned.`, 'DataCloneError');
      if (memory.has(v)) return memory.get(v);
      const brand = rt.brand(v);
      let out;
      if (brand === 'Date') out = new p.Date(p.DatePrototypeGetTime(v));
      else if (brand === 'RegExp') out = new p.RegExp(p.RegExpPrototypeGetSource(v), p.RegExpPrototypeGetFlags(v));
      else if (brand === 'Map') {
        out = new p.Map();
        memory.set(v, out);
        p.MapPrototypeForEach(v, (val, key) => out.set(clone(key), clone(val)));
        return out;
      } else if (brand === 'Set') {
        out = new p.Set();
        memory.set(v, out);
        p.SetPrototypeForEach(v, (val) => out.add(clone(val)));
        return out;
      } else if (brand === 'ArrayBuffer') out = p.ReflectApply(p.ArrayBuffer.prototype.slice, v, [0]);
      else if (brand === 'TypedArray') {
        // A Buffer comes back as a plain Uint8Array, as in Node.
        let Ctor = p.Uint8Array;
        for (let i = 0; i < TYPED_ARRAYS.length; i++) {
          if (v instanceof TYPED_ARRAYS[i]) {
            Ctor = TYPED_ARRAYS[i];
            break;
          }
        }
        out = new Ctor(v);
      } else if (brand === 'Error') {
        out = new p.Error(v.message);
        ObjectDefineProperty(out, 'name', { value: v.name, writable: true, configurable: true });
        if (v.stack !== undefined) out.stack = v.stack;
        if (v.cause !== undefined) out.cause = clone(v.cause);
      } else if (brand === 'Array') {
        out = [];
        memory.set(v, out);
        const keys = p.ObjectKeys(v);
        for (let i = 0; i < keys.length; i++) out[keys[i]] = clone(v[keys[i]]);
        return out;
      } else if (brand === 'Object' || brand === 'Arguments') {
        out = {};
        memory.set(v, out);
        const keys = p.ObjectKeys(v);
        for (let i = 0; i < keys.length; i++) out[keys[i]] = clone(v[keys[i]]);
        return out;
      } else if (brand === 'Number' || brand === 'String' || brand === 'Boolean') {
        out = p.Object(rt.primitiveOf(v, brand));
      } else {
        throw domException(`${rt.inspect(v)} could not be cloned.`, 'DataCloneError');
      }
      memory.set(v, out);
      return out;
    }
    return clone(value);
  }

  // ---- performance --------------------------------------------------------
  // Coarse (whole milliseconds since the execution started), as timing
  // side channels have no business here.
  const origin = host.monotonicMs();
  const performance = {
    now() { return p.MathFloor(host.monotonicMs() - origin); },
    timeOrigin: p.DateNow(),
    mark() {},
    measure() {},
    toJSON() { return { timeOrigin: this.timeOrigin }; },
  };

  // ---- process ------------------------------------------------------------
  const nextTick = function nextTick(callback, ...args) {
    if (typeof callback !== 'function') throw invalidArg('callback', 'of type function', callback);
    p.PromisePrototypeThen(p.PromiseResolve(), () => ReflectApply(callback, undefined, args));
  };
  const version = host.nodeVersion();
  const hrtime = function hrtime(previous) {
    const ms = host.monotonicMs();
    let seconds = p.MathFloor(ms / 1000);
    let nanos = p.MathFloor((ms - seconds * 1000) * 1e6);
    if (previous !== undefined) {
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds -= 1;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  };
  hrtime.bigint = () => p.BigInt(p.MathFloor(host.monotonicMs() * 1e6));
  const emitter = (() => {
    rt.load('node/events');
    return new rt.EventEmitter();
  })();
  const process = {
    version,
    versions: { node: p.StringPrototypeSlice(version, 1) },
    release: { name: 'node' },
    platform: 'linux',
    arch: 'x64',
    pid: 1,
    ppid: 0,
    title: 'node',
    argv: ['/usr/local/bin/node'],
    execArgv: [],
    // Auth0 gives scripts no environment; secrets come through event.secrets.
    env: {},
    exitCode: undefined,
    hrtime,
    nextTick,
    cwd() { return '/'; },
    uptime() { return (host.monotonicMs() - origin) / 1000; },
    memoryUsage() { return { rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }; },
    emitWarning(warning) { rt.console.warn(`Warning: ${warning instanceof p.Error ? warning.message : warning}`); },
    on(event, listener) { emitter.on(event, listener); return process; },
    once(event, listener) { emitter.once(event, listener); return process; },
    off(event, listener) { emitter.off(event, listener); return process; },
    removeListener(event, listener) { emitter.removeListener(event, listener); return process; },
    emit(event, ...args) { return emitter.emit(event, ...args); },
    listenerCount(event) { return emitter.listenerCount(event); },
    exit(code) {
      throw new p.Error(`process.exit(${code === undefined ? '' : code}) is not available to scripts: Auth0 ends an Action when its handler settles`);
    },
    abort() {
      throw new p.Error('process.abort() is not available to scripts');
    },
    kill() {
      throw new p.Error('process.kill() is not available to scripts');
    },
    binding() {
      throw new p.Error('process.binding() is not available to scripts');
    },
    dlopen() {
      throw new p.Error('process.dlopen() is not available to scripts: actionbox does not load native addons');
    },
  };
  // Object.prototype.toString names it as Node's does; axios picks its
  // Node (http) adapter only for an object that reads '[object process]'.
  p.ObjectDefineProperty(process, p.SymbolToStringTag, { value: 'process', configurable: true });
  process.stdout = { write(text) { rt.console.log(p.StringPrototypeReplace(`${text}`, /\n$/, '')); return true; }, isTTY: false };
  process.stderr = { write(text) { rt.console.error(p.StringPrototypeReplace(`${text}`, /\n$/, '')); return true; }, isTTY: false };

  // ---- timers, timers/promises --------------------------------------------
  const timers = {
    setTimeout: coreTimers.setTimeout,
    clearTimeout: coreTimers.clearTimeout,
    setInterval: coreTimers.setInterval,
    clearInterval: coreTimers.clearInterval,
    setImmediate: coreTimers.setImmediate,
    clearImmediate: coreTimers.clearImmediate,
  };
  function abortable(signal, start) {
    return new Promise((resolve, reject) => {
      if (signal !== undefined && signal !== null && signal.aborted) {
        const err = domException('The operation was aborted', 'AbortError');
        err.cause = signal.reason;
        reject(err);
        return;
      }
      const cancel = start(resolve);
      if (signal !== undefined && signal !== null) {
        signal.addEventListener('abort', () => {
          cancel();
          const err = domException('The operation was aborted', 'AbortError');
          err.cause = signal.reason;
          reject(err);
        }, { once: true });
      }
    });
  }
  const timersPromises = {
    setTimeout(delay, value, options = {}) {
      return abortable(options.signal, (resolve) => {
        const t = coreTimers.setTimeout(() => resolve(value), delay);
        return () => coreTimers.clearTimeout(t);
      });
    },
    setImmediate(value, options = {}) {
      return abortable(options.signal, (resolve) => {
        const t = coreTimers.setImmediate(() => resolve(value));
        return () => coreTimers.clearImmediate(t);
      });
    },
    scheduler: {
      wait(delay, options = {}) { return timersPromises.setTimeout(delay, undefined, options); },
      yield() { return timersPromises.setImmediate(); },
    },
  };
  timers.promises = timersPromises;

  rt.timers = timers;
  rt.timersPromises = timersPromises;
  rt.process = process;
  rt.Event = Event;
  rt.EventTarget = EventTarget;
  rt.AbortController = AbortController;
  rt.AbortSignal = AbortSignal;
  const globals = rt.globals;
  globals.DOMException = DOMException;
  globals.Event = Event;
  globals.EventTarget = EventTarget;
  globals.AbortController = AbortController;
  globals.AbortSignal = AbortSignal;
  globals.structuredClone = structuredClone;
  globals.performance = performance;
  globals.process = process;
})
