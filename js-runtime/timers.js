// Timers, loaded the first time a script (or the runtime) touches one of
// the timer globals or `rt.timers`.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectDefineProperty, ObjectCreate, TypeError } = p;
  // The globals are defined by core.js's lazy accessors, from here.
  const globals = rt.globals;

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
    [p.Symbol.toPrimitive]() { return this.id; }
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
  globals.setTimeout = function setTimeout(callback, delay, ...args) {
    return schedule(callback, delay, args, false, Timeout);
  };
  globals.setInterval = function setInterval(callback, delay, ...args) {
    return schedule(callback, delay, args, true, Timeout);
  };
  globals.setImmediate = function setImmediate(callback, ...args) {
    const t = schedule(callback, 0, args, false, Immediate);
    return t;
  };
  globals.clearTimeout = function clearTimeout(timer) { clear(timer); };
  globals.clearInterval = function clearInterval(timer) { clear(timer); };
  globals.clearImmediate = function clearImmediate(timer) { clear(timer); };
  // The runtime's own references, for the files loaded after a script ran
  // (which may have replaced the globals).
  rt.timers = {
    setTimeout: globals.setTimeout, clearTimeout: globals.clearTimeout, setInterval: globals.setInterval,
    clearInterval: globals.clearInterval, setImmediate: globals.setImmediate, clearImmediate: globals.clearImmediate,
  };
})
