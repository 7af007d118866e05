// The util module: format and inspect (from the runtime's console),
// promisify/callbackify, inherits, deprecate, isDeepStrictEqual, types.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  rt.load('inspect');
  const { ObjectSetPrototypeOf, ObjectDefineProperty, ReflectApply, TypeError, Promise, ObjectKeys, ArrayIsArray, ObjectGetPrototypeOf, ObjectIs } = p;
  const customPromisify = p.SymbolFor('nodejs.util.promisify.custom');

  function promisify(original) {
    if (typeof original !== 'function') {
      const err = new TypeError(`The "original" argument must be of type function. Received ${rt.describeReceived(original)}`);
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    if (typeof original[customPromisify] === 'function') return original[customPromisify];
    function fn(...args) {
      return new Promise((resolve, reject) => {
        p.ArrayPrototypePush(args, (err, ...values) => {
          if (err) return reject(err);
          resolve(values.length > 1 ? values : values[0]);
        });
        ReflectApply(original, this, args);
      });
    }
    ObjectSetPrototypeOf(fn, ObjectGetPrototypeOf(original));
    ObjectDefineProperty(fn, customPromisify, { value: fn, configurable: true });
    return fn;
  }
  promisify.custom = customPromisify;

  function callbackify(original) {
    return function (...args) {
      const callback = p.ArrayPrototypePop(args);
      p.PromisePrototypeThen(ReflectApply(original, this, args),
        (value) => callback(null, value),
        (reason) => callback(reason || new p.Error(`${reason}`)));
    };
  }

  function inherits(ctor, superCtor) {
    ObjectDefineProperty(ctor, 'super_', { value: superCtor, writable: true, configurable: true });
    ObjectSetPrototypeOf(ctor.prototype, superCtor.prototype);
  }

  function deprecate(fn, message) {
    let warned = false;
    return function (...args) {
      if (!warned) {
        warned = true;
        rt.console.warn(`DeprecationWarning: ${message}`);
      }
      return ReflectApply(fn, this, args);
    };
  }

  function isDeepStrictEqual(a, b, seen = []) {
    if (ObjectIs(a, b)) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
    if (ObjectGetPrototypeOf(a) !== ObjectGetPrototypeOf(b)) return false;
    if (host.brand(a) !== host.brand(b)) return false;
    if (a instanceof p.Date) return p.DatePrototypeGetTime(a) === p.DatePrototypeGetTime(b);
    if (a instanceof p.RegExp) return `${a}` === `${b}`;
    for (let i = 0; i < seen.length; i++) if (seen[i][0] === a && seen[i][1] === b) return true;
    p.ArrayPrototypePush(seen, [a, b]);
    if (a instanceof p.Map || a instanceof p.Set) {
      if (a.size !== b.size) return false;
      for (const [key, value] of a.entries()) {
        if (!b.has(key)) return false;
        if (a instanceof p.Map && !isDeepStrictEqual(value, b.get(key), seen)) return false;
      }
      return true;
    }
    const ka = ObjectKeys(a);
    const kb = ObjectKeys(b);
    if (ka.length !== kb.length) return false;
    if (ArrayIsArray(a) && a.length !== b.length) return false;
    for (let i = 0; i < ka.length; i++) {
      if (!p.ObjectPrototypeHasOwnProperty(b, ka[i]) || !isDeepStrictEqual(a[ka[i]], b[ka[i]], seen)) return false;
    }
    return true;
  }

  const brandIs = (name) => (value) => value !== null && (typeof value === 'object' || typeof value === 'function') && host.brand(value) === name;
  const BOXED_BRANDS = { __proto__: null, Number: true, String: true, Boolean: true, BigInt: true, Symbol: true };
  const types = {
    isDate: brandIs('Date'),
    isRegExp: brandIs('RegExp'),
    isMap: brandIs('Map'),
    isSet: brandIs('Set'),
    isWeakMap: brandIs('WeakMap'),
    isWeakSet: brandIs('WeakSet'),
    isPromise: brandIs('Promise'),
    isNativeError: brandIs('Error'),
    isProxy: (value) => host.isProxy(value),
    isArrayBuffer: brandIs('ArrayBuffer'),
    isAnyArrayBuffer: brandIs('ArrayBuffer'),
    isTypedArray: brandIs('TypedArray'),
    isUint8Array: (value) => value instanceof p.Uint8Array,
    isArrayBufferView: (value) => p.ArrayBufferIsView(value),
    isAsyncFunction: (value) => typeof value === 'function' && ObjectGetPrototypeOf(value) === p.AsyncFunctionPrototype,
    isGeneratorFunction: (value) => typeof value === 'function' && (ObjectGetPrototypeOf(value) === p.GeneratorFunctionPrototype || ObjectGetPrototypeOf(value) === p.AsyncGeneratorFunctionPrototype),
    isBoxedPrimitive: (value) => value !== null && typeof value === 'object' && BOXED_BRANDS[rt.brand(value)] === true,
    isKeyObject: (value) => {
      rt.load('node/crypto');
      return rt.isKeyObject(value);
    },
    isCryptoKey: (value) => {
      rt.load('node/crypto');
      return rt.isCryptoKey(value);
    },
  };

  rt.load('node/buffer');
  rt.util = {
    format: rt.format,
    formatWithOptions: rt.formatWithOptions,
    inspect: rt.inspect,
    promisify,
    callbackify,
    inherits,
    deprecate,
    isDeepStrictEqual: (a, b) => isDeepStrictEqual(a, b),
    types,
    isArray: ArrayIsArray,
    isError: (value) => value instanceof p.Error,
    // The legacy helpers Node 22 still has (older packages use them).
    _extend(target, source) {
      if (source === null || typeof source !== 'object') return target;
      const keys = p.ObjectKeys(source);
      for (let i = 0; i < keys.length; i++) target[keys[i]] = source[keys[i]];
      return target;
    },
    isBoolean: (value) => typeof value === 'boolean',
    isNull: (value) => value === null,
    isNullOrUndefined: (value) => value === null || value === undefined,
    isNumber: (value) => typeof value === 'number',
    isString: (value) => typeof value === 'string',
    isSymbol: (value) => typeof value === 'symbol',
    isUndefined: (value) => value === undefined,
    isRegExp: (value) => types.isRegExp(value),
    isObject: (value) => value !== null && typeof value === 'object',
    isDate: (value) => types.isDate(value),
    isFunction: (value) => typeof value === 'function',
    isPrimitive: (value) => value === null || (typeof value !== 'object' && typeof value !== 'function'),
    isBuffer: (value) => rt.Buffer.isBuffer(value),
    TextEncoder: rt.globals.TextEncoder,
    TextDecoder: rt.globals.TextDecoder,
  };
  rt.isDeepStrictEqual = (a, b) => isDeepStrictEqual(a, b);
})
