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
  const p = g.Object.create(null);
  // Only what the runtime's files use, written out: each costs time in
  // every isolate. None reads `this`, except Promise's (bound).
  p.ObjectKeys = g.Object.keys;
  p.ObjectGetOwnPropertySymbols = g.Object.getOwnPropertySymbols;
  p.ObjectGetOwnPropertyDescriptor = g.Object.getOwnPropertyDescriptor;
  p.ObjectGetPrototypeOf = g.Object.getPrototypeOf;
  p.ObjectSetPrototypeOf = g.Object.setPrototypeOf;
  p.ObjectDefineProperty = g.Object.defineProperty;
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

  p.ArrayPrototypePush = uncurry(g.Array.prototype.push);
  p.ArrayPrototypePop = uncurry(g.Array.prototype.pop);
  p.ArrayPrototypeJoin = uncurry(g.Array.prototype.join);
  p.ArrayPrototypeSlice = uncurry(g.Array.prototype.slice);
  p.ArrayPrototypeSplice = uncurry(g.Array.prototype.splice);
  p.ArrayPrototypeIndexOf = uncurry(g.Array.prototype.indexOf);
  p.ArrayPrototypeIncludes = uncurry(g.Array.prototype.includes);
  p.ArrayPrototypeMap = uncurry(g.Array.prototype.map);
  p.ArrayPrototypeFilter = uncurry(g.Array.prototype.filter);
  p.ArrayPrototypeSome = uncurry(g.Array.prototype.some);
  p.ArrayPrototypeConcat = uncurry(g.Array.prototype.concat);
  p.ArrayPrototypeSort = uncurry(g.Array.prototype.sort);
  p.ArrayPrototypeUnshift = uncurry(g.Array.prototype.unshift);
  p.ArrayPrototypeFind = uncurry(g.Array.prototype.find);
  p.ArrayPrototypeFindIndex = uncurry(g.Array.prototype.findIndex);
  p.StringPrototypeSlice = uncurry(g.String.prototype.slice);
  p.StringPrototypeIndexOf = uncurry(g.String.prototype.indexOf);
  p.StringPrototypeLastIndexOf = uncurry(g.String.prototype.lastIndexOf);
  p.StringPrototypeIncludes = uncurry(g.String.prototype.includes);
  p.StringPrototypeStartsWith = uncurry(g.String.prototype.startsWith);
  p.StringPrototypeEndsWith = uncurry(g.String.prototype.endsWith);
  p.StringPrototypeReplace = uncurry(g.String.prototype.replace);
  p.StringPrototypeSplit = uncurry(g.String.prototype.split);
  p.StringPrototypeTrim = uncurry(g.String.prototype.trim);
  p.StringPrototypeToLowerCase = uncurry(g.String.prototype.toLowerCase);
  p.StringPrototypeToUpperCase = uncurry(g.String.prototype.toUpperCase);
  p.StringPrototypeCharCodeAt = uncurry(g.String.prototype.charCodeAt);
  p.StringPrototypePadStart = uncurry(g.String.prototype.padStart);
  p.StringPrototypePadEnd = uncurry(g.String.prototype.padEnd);
  p.StringPrototypeRepeat = uncurry(g.String.prototype.repeat);
  p.ObjectPrototypeHasOwnProperty = uncurry(g.Object.prototype.hasOwnProperty);
  p.ObjectPrototypeToString = uncurry(g.Object.prototype.toString);
  p.ObjectPrototypePropertyIsEnumerable = uncurry(g.Object.prototype.propertyIsEnumerable);
  p.FunctionPrototypeToString = uncurry(g.Function.prototype.toString);
  p.NumberPrototypeToString = uncurry(g.Number.prototype.toString);
  p.NumberPrototypeToFixed = uncurry(g.Number.prototype.toFixed);
  p.RegExpPrototypeExec = uncurry(g.RegExp.prototype.exec);
  // RegExp.prototype.test looks up `exec` on the RegExp each time it runs,
  // so a script replacing `exec` would steer the runtime's checks; the
  // captured `exec` is the builtin.
  const RegExpPrototypeExec = p.RegExpPrototypeExec;
  p.RegExpPrototypeTest = (regexp, text) => RegExpPrototypeExec(regexp, text) !== null;
  p.RegExpPrototypeToString = uncurry(g.RegExp.prototype.toString);
  p.DatePrototypeToISOString = uncurry(g.Date.prototype.toISOString);
  p.DatePrototypeGetTime = uncurry(g.Date.prototype.getTime);
  p.MapPrototypeGet = uncurry(g.Map.prototype.get);
  p.MapPrototypeSet = uncurry(g.Map.prototype.set);
  p.MapPrototypeHas = uncurry(g.Map.prototype.has);
  p.MapPrototypeDelete = uncurry(g.Map.prototype.delete);
  p.MapPrototypeForEach = uncurry(g.Map.prototype.forEach);
  p.MapPrototypeKeys = uncurry(g.Map.prototype.keys);
  p.SetPrototypeForEach = uncurry(g.Set.prototype.forEach);
  p.PromisePrototypeThen = uncurry(g.Promise.prototype.then);
  p.SymbolPrototypeToString = uncurry(g.Symbol.prototype.toString);
  const getter = (key, proto, name) => {
    p[key] = uncurry(g.Object.getOwnPropertyDescriptor(proto, name).get);
  };
  getter('MapPrototypeGetSize', g.Map.prototype, 'size');
  getter('SetPrototypeGetSize', g.Set.prototype, 'size');
  getter('SymbolPrototypeGetDescription', g.Symbol.prototype, 'description');
  getter('RegExpPrototypeGetSource', g.RegExp.prototype, 'source');
  getter('RegExpPrototypeGetFlags', g.RegExp.prototype, 'flags');
  getter('TypedArrayPrototypeGetLength', g.Object.getPrototypeOf(g.Uint8Array.prototype), 'length');
  getter('TypedArrayPrototypeGetSymbolToStringTag', g.Object.getPrototypeOf(g.Uint8Array.prototype), g.Symbol.toStringTag);
  getter('ArrayBufferPrototypeGetByteLength', g.ArrayBuffer.prototype, 'byteLength');
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
  p.TypedArrayPrototype = g.Object.getPrototypeOf(g.Uint8Array.prototype);
  p.AsyncFunctionPrototype = g.Object.getPrototypeOf(async function () {});
  p.GeneratorFunctionPrototype = g.Object.getPrototypeOf(function* () {});
  p.AsyncGeneratorFunctionPrototype = g.Object.getPrototypeOf(async function* () {});
  p.globalThis = g;
  g.Object.freeze(p);
  rt.p = p;
})
