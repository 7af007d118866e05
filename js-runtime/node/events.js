// The events module: EventEmitter with Node's semantics (an unhandled
// 'error' event throws, once-listeners, prepend, listener counts).
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ArrayPrototypePush, ArrayPrototypeSlice, ArrayPrototypeSplice, ObjectCreate, ReflectApply, ReflectOwnKeys, TypeError } = p;

  function checkListener(listener) {
    if (typeof listener !== 'function') {
      const err = new TypeError(`The "listener" argument must be of type function. Received ${rt.describeReceived(listener)}`);
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
  }

  function EventEmitter(options) {
    // (Not `.call`: a script may have replaced Function.prototype.call.)
    p.ReflectApply(EventEmitter.init, this, [options]);
  }
  EventEmitter.defaultMaxListeners = 10;
  EventEmitter.init = function () {
    if (this._events === undefined || this._events === p.ObjectGetPrototypeOf(this)._events) {
      this._events = ObjectCreate(null);
      this._eventsCount = 0;
    }
    this._maxListeners = this._maxListeners || undefined;
  };
  const proto = EventEmitter.prototype;
  proto._events = undefined;
  proto._eventsCount = 0;
  proto._maxListeners = undefined;

  function add(target, type, listener, prepend) {
    checkListener(listener);
    if (target._events === undefined) p.ReflectApply(EventEmitter.init, target, []);
    if (target._events.newListener !== undefined) target.emit('newListener', type, listener.listener ? listener.listener : listener);
    const list = target._events[type];
    if (list === undefined) {
      target._events[type] = [listener];
      target._eventsCount++;
    } else if (prepend) {
      ArrayPrototypeSplice(list, 0, 0, listener);
    } else {
      ArrayPrototypePush(list, listener);
    }
    return target;
  }
  proto.setMaxListeners = function (n) { this._maxListeners = n; return this; };
  proto.getMaxListeners = function () { return this._maxListeners === undefined ? EventEmitter.defaultMaxListeners : this._maxListeners; };
  proto.emit = function (type, ...args) {
    const list = this._events === undefined ? undefined : this._events[type];
    if (type === 'error' && (list === undefined || list.length === 0)) {
      const err = args[0];
      if (err instanceof Error) throw err;
      const wrapped = new p.Error(`Unhandled error. (${rt.inspect(err)})`);
      wrapped.code = 'ERR_UNHANDLED_ERROR';
      wrapped.context = err;
      throw wrapped;
    }
    if (list === undefined) return false;
    const listeners = ArrayPrototypeSlice(list);
    for (let i = 0; i < listeners.length; i++) ReflectApply(listeners[i], this, args);
    return true;
  };
  proto.on = proto.addListener = function (type, listener) { return add(this, type, listener, false); };
  proto.prependListener = function (type, listener) { return add(this, type, listener, true); };
  function onceWrapper(target, type, listener) {
    const wrapped = function (...args) {
      target.removeListener(type, wrapped);
      return ReflectApply(listener, target, args);
    };
    wrapped.listener = listener;
    return wrapped;
  }
  proto.once = function (type, listener) { checkListener(listener); return this.on(type, onceWrapper(this, type, listener)); };
  proto.prependOnceListener = function (type, listener) { checkListener(listener); return this.prependListener(type, onceWrapper(this, type, listener)); };
  proto.off = proto.removeListener = function (type, listener) {
    checkListener(listener);
    const list = this._events === undefined ? undefined : this._events[type];
    if (list === undefined) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === listener || list[i].listener === listener) {
        ArrayPrototypeSplice(list, i, 1);
        if (list.length === 0) {
          delete this._events[type];
          this._eventsCount--;
        }
        if (this._events.removeListener !== undefined) this.emit('removeListener', type, listener);
        break;
      }
    }
    return this;
  };
  proto.removeAllListeners = function (type) {
    if (this._events === undefined) return this;
    if (type === undefined) {
      this._events = ObjectCreate(null);
      this._eventsCount = 0;
    } else if (this._events[type] !== undefined) {
      delete this._events[type];
      this._eventsCount--;
    }
    return this;
  };
  proto.listeners = function (type) {
    const list = this._events === undefined ? undefined : this._events[type];
    if (list === undefined) return [];
    const out = [];
    for (let i = 0; i < list.length; i++) ArrayPrototypePush(out, list[i].listener || list[i]);
    return out;
  };
  proto.rawListeners = function (type) {
    const list = this._events === undefined ? undefined : this._events[type];
    return list === undefined ? [] : ArrayPrototypeSlice(list);
  };
  proto.listenerCount = function (type) {
    const list = this._events === undefined ? undefined : this._events[type];
    return list === undefined ? 0 : list.length;
  };
  proto.eventNames = function () {
    return this._events === undefined ? [] : ReflectOwnKeys(this._events);
  };
  EventEmitter.EventEmitter = EventEmitter;
  EventEmitter.once = function (emitter, name) {
    return new p.Promise((resolve, reject) => {
      const onError = (err) => { emitter.removeListener(name, resolver); reject(err); };
      const resolver = (...args) => { if (name !== 'error') emitter.removeListener('error', onError); resolve(args); };
      emitter.once(name, resolver);
      if (name !== 'error') emitter.once('error', onError);
    });
  };
  EventEmitter.listenerCount = (emitter, type) => emitter.listenerCount(type);
  rt.EventEmitter = EventEmitter;
})
