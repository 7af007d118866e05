// Builtins captured before any user code runs, so that the runtime's own
// JavaScript keeps working when a script replaces `Array.prototype.push`,
// `Function.prototype.call`, `JSON.stringify` and the like (docs/security.md,
// hazard 8). Every other runtime file reads builtins from `rt.p` only.
(function (host, rt) {
  'use strict';
  const g = globalThis;

  // With a fixed clock (--now), `Date.now()` and `new Date()` return that
  // instant for the whole execution, so outputs are reproducible byte for
  // byte. Installed first, so the runtime's own code sees the same clock.
  const fixedNow = host.fixedNow();
  if (fixedNow !== undefined) {
    const RealDate = g.Date;
    const construct = g.Reflect.construct;
    const FixedDate = function Date(...args) {
      if (new.target === undefined) return new RealDate(fixedNow).toString();
      return construct(RealDate, args.length === 0 ? [fixedNow] : args, new.target);
    };
    g.Object.setPrototypeOf(FixedDate, RealDate);
    g.Object.defineProperty(FixedDate, 'prototype', { value: RealDate.prototype });
    g.Object.defineProperty(FixedDate, 'length', { value: 7 });
    g.Object.defineProperty(FixedDate, 'now', { value: function now() { return fixedNow; }, writable: true, configurable: true });
    g.Object.defineProperty(RealDate.prototype, 'constructor', { value: FixedDate, writable: true, configurable: true });
    g.Object.defineProperty(g, 'Date', { value: FixedDate, writable: true, configurable: true });
  }
  const FunctionPrototypeCall = g.Function.prototype.call;
  const FunctionPrototypeBind = g.Function.prototype.bind;
  // uncurry(fn)(self, ...args) === fn.call(self, ...args), without looking
  // anything up when it is called — nor when it makes one: runtime files
  // loaded lazily do so after a script may have replaced
  // Function.prototype.call.
  const uncurry = FunctionPrototypeBind.call(FunctionPrototypeBind, FunctionPrototypeCall);
  // Binding reads the target's `length` and `name`: made unchangeable
  // here, so an uncurry after a script ran reads plain values and runs no
  // script code.
  const locked = g.Object.create(null);
  locked.writable = false;
  locked.configurable = false;
  g.Object.defineProperty(FunctionPrototypeCall, 'length', locked);
  g.Object.defineProperty(FunctionPrototypeCall, 'name', locked);
  // Prototype methods, captured now and uncurried on first use: an
  // execution calls a handful of them, and each uncurried function costs an
  // object in every isolate. The first read of one reaches `p`'s
  // prototype, which makes it and keeps it on `p`: later reads are plain.
  const methods = g.Object.create(null);
  const made = g.Object.create(null);
  made.writable = false;
  made.enumerable = true;
  made.configurable = false;
  const ReflectDefineProperty = g.Reflect.defineProperty;
  const maker = g.Object.create(null);
  maker.get = (target, key) => {
    const method = methods[key];
    if (method === undefined) return undefined;
    made.value = uncurry(method);
    ReflectDefineProperty(p, key, made);
    return made.value;
  };
  const p = g.Object.create(null);
  // Only what the runtime's files use, written out: each costs time in
  // every isolate. None reads `this`, except Promise's (bound).
  p.ObjectKeys = g.Object.keys;
  p.ObjectGetOwnPropertySymbols = g.Object.getOwnPropertySymbols;
  p.ObjectGetOwnPropertyDescriptor = g.Object.getOwnPropertyDescriptor;
  p.ObjectGetPrototypeOf = g.Object.getPrototypeOf;
  p.ObjectSetPrototypeOf = g.Object.setPrototypeOf;
  // Property descriptors are read with [[Get]], inherited properties
  // included: after a script put `get`, `set` or `value` on
  // Object.prototype, every descriptor the runtime writes would reach the
  // script's getter (with the value being defined as `this.value`) or be
  // refused. The runtime's descriptors never inherit.
  const ObjectDefineProperty = g.Object.defineProperty;
  const ObjectSetPrototypeOf = g.Object.setPrototypeOf;
  p.ObjectDefineProperty = (object, key, descriptor) =>
    ObjectDefineProperty(object, key, ObjectSetPrototypeOf(descriptor, null));
  p.ObjectCreate = g.Object.create;
  p.ObjectFreeze = g.Object.freeze;
  p.ObjectIs = g.Object.is;
  p.ArrayIsArray = g.Array.isArray;
  p.NumberIsInteger = g.Number.isInteger;
  p.NumberIsSafeInteger = g.Number.isSafeInteger;
  p.NumberIsFinite = g.Number.isFinite;
  p.NumberParseInt = g.Number.parseInt;
  p.NumberParseFloat = g.Number.parseFloat;
  p.StringFromCharCode = g.String.fromCharCode;
  p.JSONStringify = g.JSON.stringify;
  p.JSONParse = g.JSON.parse;
  p.MathFloor = g.Math.floor;
  p.MathRound = g.Math.round;
  p.MathMax = g.Math.max;
  p.MathMin = g.Math.min;
  p.MathSqrt = g.Math.sqrt;
  p.ReflectApply = g.Reflect.apply;
  p.ReflectOwnKeys = g.Reflect.ownKeys;
  p.ReflectGetOwnPropertyDescriptor = g.Reflect.getOwnPropertyDescriptor;
  p.ReflectGet = g.Reflect.get;
  p.PromiseResolve = FunctionPrototypeBind.call(g.Promise.resolve, g.Promise);
  p.PromiseReject = FunctionPrototypeBind.call(g.Promise.reject, g.Promise);
  p.SymbolFor = g.Symbol.for;
  p.DateNow = g.Date.now;

  methods.ArrayPrototypePush = g.Array.prototype.push;
  methods.ArrayPrototypePop = g.Array.prototype.pop;
  methods.ArrayPrototypeJoin = g.Array.prototype.join;
  methods.ArrayPrototypeSlice = g.Array.prototype.slice;
  methods.ArrayPrototypeSplice = g.Array.prototype.splice;
  methods.ArrayPrototypeIndexOf = g.Array.prototype.indexOf;
  methods.ArrayPrototypeIncludes = g.Array.prototype.includes;
  methods.ArrayPrototypeMap = g.Array.prototype.map;
  methods.ArrayPrototypeFilter = g.Array.prototype.filter;
  methods.ArrayPrototypeSome = g.Array.prototype.some;
  methods.ArrayPrototypeConcat = g.Array.prototype.concat;
  methods.ArrayPrototypeSort = g.Array.prototype.sort;
  methods.ArrayPrototypeUnshift = g.Array.prototype.unshift;
  methods.ArrayPrototypeFind = g.Array.prototype.find;
  methods.ArrayPrototypeFindIndex = g.Array.prototype.findIndex;
  methods.StringPrototypeSlice = g.String.prototype.slice;
  methods.StringPrototypeIndexOf = g.String.prototype.indexOf;
  methods.StringPrototypeLastIndexOf = g.String.prototype.lastIndexOf;
  methods.StringPrototypeIncludes = g.String.prototype.includes;
  methods.StringPrototypeStartsWith = g.String.prototype.startsWith;
  methods.StringPrototypeEndsWith = g.String.prototype.endsWith;
  methods.StringPrototypeReplace = g.String.prototype.replace;
  methods.StringPrototypeSplit = g.String.prototype.split;
  methods.StringPrototypeTrim = g.String.prototype.trim;
  methods.StringPrototypeToLowerCase = g.String.prototype.toLowerCase;
  methods.StringPrototypeToUpperCase = g.String.prototype.toUpperCase;
  methods.StringPrototypeCharCodeAt = g.String.prototype.charCodeAt;
  methods.StringPrototypePadStart = g.String.prototype.padStart;
  methods.StringPrototypePadEnd = g.String.prototype.padEnd;
  methods.StringPrototypeRepeat = g.String.prototype.repeat;
  methods.ObjectPrototypeHasOwnProperty = g.Object.prototype.hasOwnProperty;
  methods.ObjectPrototypeToString = g.Object.prototype.toString;
  methods.ObjectPrototypePropertyIsEnumerable = g.Object.prototype.propertyIsEnumerable;
  methods.FunctionPrototypeToString = g.Function.prototype.toString;
  methods.NumberPrototypeToString = g.Number.prototype.toString;
  methods.NumberPrototypeToFixed = g.Number.prototype.toFixed;
  methods.RegExpPrototypeExec = g.RegExp.prototype.exec;
  // RegExp.prototype.test looks up `exec` on the RegExp each time it runs,
  // so a script replacing `exec` would steer the runtime's checks; the
  // captured `exec` is the builtin.
  const RegExpPrototypeExec = uncurry(methods.RegExpPrototypeExec);
  p.RegExpPrototypeExec = RegExpPrototypeExec;
  p.RegExpPrototypeTest = (regexp, text) => RegExpPrototypeExec(regexp, text) !== null;
  methods.RegExpPrototypeToString = g.RegExp.prototype.toString;
  methods.DatePrototypeToISOString = g.Date.prototype.toISOString;
  methods.DatePrototypeGetTime = g.Date.prototype.getTime;
  methods.MapPrototypeGet = g.Map.prototype.get;
  methods.MapPrototypeSet = g.Map.prototype.set;
  methods.MapPrototypeHas = g.Map.prototype.has;
  methods.MapPrototypeDelete = g.Map.prototype.delete;
  methods.MapPrototypeForEach = g.Map.prototype.forEach;
  methods.MapPrototypeKeys = g.Map.prototype.keys;
  methods.SetPrototypeForEach = g.Set.prototype.forEach;
  methods.PromisePrototypeThen = g.Promise.prototype.then;
  methods.SymbolPrototypeToString = g.Symbol.prototype.toString;
  const getter = (key, proto, name) => {
    methods[key] = g.Object.getOwnPropertyDescriptor(proto, name).get;
  };
  getter('MapPrototypeGetSize', g.Map.prototype, 'size');
  getter('SetPrototypeGetSize', g.Set.prototype, 'size');
  getter('SymbolPrototypeGetDescription', g.Symbol.prototype, 'description');
  getter('RegExpPrototypeGetSource', g.RegExp.prototype, 'source');
  getter('RegExpPrototypeGetFlags', g.RegExp.prototype, 'flags');
  const TypedArrayPrototype = g.Object.getPrototypeOf(g.Uint8Array.prototype);
  getter('TypedArrayPrototypeGetLength', TypedArrayPrototype, 'length');
  getter('TypedArrayPrototypeGetSymbolToStringTag', TypedArrayPrototype, g.Symbol.toStringTag);
  getter('ArrayBufferPrototypeGetByteLength', g.ArrayBuffer.prototype, 'byteLength');
  // What files loaded after a script ran (Buffer, Blob, inspect) use.
  methods.TypedArrayPrototypeSubarray = TypedArrayPrototype.subarray;
  methods.TypedArrayPrototypeSet = TypedArrayPrototype.set;
  methods.TypedArrayPrototypeFill = TypedArrayPrototype.fill;
  methods.TypedArrayPrototypeIndexOf = TypedArrayPrototype.indexOf;
  getter('TypedArrayPrototypeGetByteOffset', TypedArrayPrototype, 'byteOffset');
  getter('TypedArrayPrototypeGetBuffer', TypedArrayPrototype, 'buffer');
  methods.NumberPrototypeValueOf = g.Number.prototype.valueOf;
  methods.StringPrototypeValueOf = g.String.prototype.valueOf;
  methods.BooleanPrototypeValueOf = g.Boolean.prototype.valueOf;
  methods.BigIntPrototypeValueOf = g.BigInt.prototype.valueOf;
  methods.SymbolPrototypeValueOf = g.Symbol.prototype.valueOf;
  p.ArrayBufferIsView = g.ArrayBuffer.isView;
  p.uncurry = uncurry;
  for (const name of ['Object', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'BigInt', 'Error', 'URIError',
    'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'Map', 'Set', 'WeakMap', 'WeakSet',
    'Promise', 'RegExp', 'Date', 'Function', 'Proxy', 'Uint8Array', 'ArrayBuffer', 'DataView',
    'Int8Array', 'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array',
    'Float64Array', 'Uint8ClampedArray', 'BigInt64Array', 'BigUint64Array', 'isNaN', 'parseInt',
    'encodeURIComponent', 'decodeURIComponent', 'encodeURI', 'escape']) {
    p[name] = g[name];
  }
  p.SymbolIterator = g.Symbol.iterator;
  p.SymbolToStringTag = g.Symbol.toStringTag;
  p.SymbolAsyncIterator = g.Symbol.asyncIterator;
  p.TypedArrayPrototype = TypedArrayPrototype;
  p.AsyncFunctionPrototype = g.Object.getPrototypeOf(async function () {});
  p.GeneratorFunctionPrototype = g.Object.getPrototypeOf(function* () {});
  p.AsyncGeneratorFunctionPrototype = g.Object.getPrototypeOf(async function* () {});
  p.globalThis = g;
  // Filled: from here on nothing is added to `p` but by the maker.
  maker.set = maker.defineProperty = maker.deleteProperty = maker.setPrototypeOf = () => false;
  maker.preventExtensions = () => false;
  g.Object.setPrototypeOf(p, new g.Proxy(g.Object.create(null), maker));
  rt.p = p;
})
