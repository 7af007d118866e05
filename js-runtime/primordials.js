// Builtins captured before any user code runs, so that the runtime's own
// JavaScript keeps working when a script replaces `Array.prototype.push`,
// `Function.prototype.call`, `JSON.stringify` and the like (SECURITY.md,
// finding 8). Every other runtime file reads builtins from `rt.p` only.
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
  // anything up when it is called.
  const uncurry = (fn) => FunctionPrototypeBind.call(FunctionPrototypeCall, fn);
  const p = g.Object.create(null);
  const statics = {
    Object: ['keys', 'getOwnPropertyNames', 'getOwnPropertySymbols', 'getOwnPropertyDescriptor',
      'getPrototypeOf', 'setPrototypeOf', 'defineProperty', 'defineProperties', 'create', 'freeze',
      'isFrozen', 'assign', 'entries', 'is', 'fromEntries'],
    Array: ['isArray', 'from', 'of'],
    Number: ['isInteger', 'isSafeInteger', 'isFinite', 'isNaN', 'parseInt', 'parseFloat'],
    String: ['fromCharCode', 'fromCodePoint'],
    JSON: ['stringify', 'parse'],
    Math: ['floor', 'ceil', 'round', 'max', 'min', 'sqrt', 'abs', 'trunc', 'random', 'pow'],
    Reflect: ['apply', 'construct', 'ownKeys', 'getOwnPropertyDescriptor', 'has', 'get', 'defineProperty'],
    Promise: ['resolve', 'reject'],
    Symbol: ['for'],
    Date: ['now'],
  };
  for (const name of g.Object.keys(statics)) {
    const ctor = g[name];
    const methods = statics[name];
    for (let i = 0; i < methods.length; i++) {
      // Bound to their constructor: Promise.resolve needs it as `this`.
      p[name + methods[i][0].toUpperCase() + methods[i].slice(1)] = FunctionPrototypeBind.call(ctor[methods[i]], ctor);
    }
  }
  const protos = {
    Array: ['push', 'pop', 'join', 'slice', 'splice', 'indexOf', 'includes', 'map', 'filter',
      'forEach', 'some', 'every', 'concat', 'sort', 'reverse', 'shift', 'unshift', 'fill', 'reduce',
      'find', 'findIndex'],
    String: ['slice', 'substring', 'indexOf', 'lastIndexOf', 'includes', 'startsWith', 'endsWith',
      'replace', 'split', 'trim', 'toLowerCase', 'toUpperCase', 'charCodeAt', 'codePointAt',
      'padStart', 'padEnd', 'repeat', 'charAt', 'normalize', 'trimStart', 'trimEnd'],
    Object: ['hasOwnProperty', 'toString', 'propertyIsEnumerable'],
    Function: ['toString'],
    Number: ['toString', 'toFixed'],
    RegExp: ['exec', 'test', 'toString'],
    Date: ['toISOString', 'getTime', 'valueOf'],
    Error: ['toString'],
    Map: ['get', 'set', 'has', 'delete', 'forEach', 'entries', 'keys', 'values'],
    Set: ['add', 'has', 'delete', 'forEach', 'values'],
    WeakMap: ['get', 'set', 'has', 'delete'],
    Promise: ['then'],
    Symbol: ['toString'],
  };
  for (const name of g.Object.keys(protos)) {
    const proto = g[name].prototype;
    const methods = protos[name];
    for (let i = 0; i < methods.length; i++) {
      p[name + 'Prototype' + methods[i][0].toUpperCase() + methods[i].slice(1)] = uncurry(proto[methods[i]]);
    }
  }
  const getter = (proto, name) => uncurry(g.Object.getOwnPropertyDescriptor(proto, name).get);
  p.MapPrototypeGetSize = getter(g.Map.prototype, 'size');
  p.SetPrototypeGetSize = getter(g.Set.prototype, 'size');
  p.SymbolPrototypeGetDescription = getter(g.Symbol.prototype, 'description');
  p.RegExpPrototypeGetSource = getter(g.RegExp.prototype, 'source');
  p.RegExpPrototypeGetFlags = getter(g.RegExp.prototype, 'flags');
  p.TypedArrayPrototypeGetLength = getter(g.Object.getPrototypeOf(g.Uint8Array.prototype), 'length');
  p.TypedArrayPrototypeGetSymbolToStringTag = getter(g.Object.getPrototypeOf(g.Uint8Array.prototype), g.Symbol.toStringTag);
  p.ArrayBufferPrototypeGetByteLength = getter(g.ArrayBuffer.prototype, 'byteLength');
  p.uncurry = uncurry;
  for (const name of ['Object', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'BigInt', 'Error',
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
