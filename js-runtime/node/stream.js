// The stream module: Node's own streams as published on npm
// (readable-stream 3.6.2, js-runtime/vendor/), loaded from the runtime's
// vendored files, plus `stream/promises`.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectCreate } = p;
  const builtin = rt.makeRequire('actionbox:node/stream');
  const cache = ObjectCreate(null);

  // A module of the vendored package, by its path inside the package.
  function load(pkg, path) {
    const key = `${pkg}/${path}`;
    if (cache[key] !== undefined) return cache[key].exports;
    const module = { exports: {}, id: key, loaded: false };
    cache[key] = module;
    const dir = p.StringPrototypeSlice(path, 0, p.MathMax(0, p.StringPrototypeLastIndexOf(path, '/')));
    const fn = host.loadRuntime(`vendor/${key}`);
    p.ReflectApply(fn, module.exports, [module.exports, (id) => requireFrom(pkg, dir, id), module, `/actionbox/vendor/${key}`, `/actionbox/vendor/${pkg}/${dir}`]);
    module.loaded = true;
    return module.exports;
  }

  function join(dir, id) {
    const parts = dir === '' ? [] : p.StringPrototypeSplit(dir, '/');
    const steps = p.StringPrototypeSplit(id, '/');
    for (let i = 0; i < steps.length; i++) {
      if (steps[i] === '..') p.ArrayPrototypePop(parts);
      else if (steps[i] !== '.' && steps[i] !== '') p.ArrayPrototypePush(parts, steps[i]);
    }
    const joined = p.ArrayPrototypeJoin(parts, '/');
    return p.StringPrototypeEndsWith(joined, '.js') ? joined : `${joined}.js`;
  }

  // What the package's `browser` field selects, as bundlers do.
  const BROWSER = { 'lib/internal/streams/stream.js': 'lib/internal/streams/stream-browser.js' };
  const inherits = function inherits(ctor, superCtor) {
    if (superCtor) {
      ctor.super_ = superCtor;
      p.ObjectSetPrototypeOf(ctor.prototype, superCtor.prototype);
    }
  };
  const deprecate = (fn) => fn;

  function requireFrom(pkg, dir, id) {
    if (p.StringPrototypeStartsWith(id, '.')) {
      const path = join(dir, id);
      return load(pkg, BROWSER[path] || path);
    }
    if (id === 'inherits') return inherits;
    if (id === 'util-deprecate') return deprecate;
    if (id === 'string_decoder/') return builtin('string_decoder');
    return builtin(id);
  }

  const stream = load('readable-stream', 'readable-browser.js');
  const promisify = (fn) => (...args) => new p.Promise((resolve, reject) => {
    fn(...args, (err, value) => (err ? reject(err) : resolve(value)));
  });
  stream.promises = {
    pipeline: promisify(stream.pipeline),
    finished: promisify(stream.finished),
  };
  stream.isReadable = (s) => !!(s && typeof s.read === 'function' && !s.destroyed && !(s._readableState && s._readableState.ended));
  stream.isErrored = (s) => !!(s && s._readableState && s._readableState.errored);
  stream.addAbortSignal = function addAbortSignal(signal, s) {
    rt.load('node/web');
    const onAbort = () => s.destroy(rt.domException('The operation was aborted', 'AbortError'));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    return s;
  };
  rt.stream = stream;
})
