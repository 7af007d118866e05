// The zlib module's one-shot forms (sync and callback): deflate/inflate,
// raw, gzip/gunzip and unzip, backed by flate2. Streams are not emulated.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { TypeError } = p;
  rt.load('node/buffer');

  function input(data, name) {
    if (typeof data === 'string') return rt.bytesOf(data, 'utf8');
    if (data instanceof p.Uint8Array) return data;
    if (p.ArrayBuffer.isView(data)) return new p.Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof p.ArrayBuffer) return new p.Uint8Array(data);
    const err = new TypeError(`The "${name}" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer. Received ${rt.describeReceived(data)}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }

  // Node reports corrupt input as a zlib error with code and errno.
  function zlibError(message) {
    const err = new p.Error(message);
    err.errno = -3;
    err.code = 'Z_DATA_ERROR';
    return err;
  }

  function run(op, data) {
    let out;
    try {
      out = host.zlib(op, input(data, 'buffer'));
    } catch (e) {
      throw zlibError(e && e.message !== undefined ? e.message : `${e}`);
    }
    return rt.wrapBuffer(out);
  }

  const zlib = {};
  const ops = ['deflate', 'inflate', 'deflateRaw', 'inflateRaw', 'gzip', 'gunzip', 'unzip'];
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i];
    zlib[`${op}Sync`] = function (data, options) {
      if (options !== undefined && options !== null && typeof options === 'object' && options.info) {
        throw new p.Error(`zlib.${op}Sync's { info: true } is not supported by actionbox's emulation of zlib`);
      }
      return run(op, data);
    };
    zlib[op] = function (data, options, callback) {
      if (typeof options === 'function') callback = options;
      if (typeof callback !== 'function') {
        const err = new TypeError(`The "callback" argument must be of type function. Received ${rt.describeReceived(callback)}`);
        err.code = 'ERR_INVALID_ARG_TYPE';
        throw err;
      }
      let result;
      let error = null;
      try {
        result = run(op, data);
      } catch (e) {
        error = e;
      }
      // Asynchronous, as in Node: the callback never runs before the caller continues.
      rt.timers.setTimeout(() => (error === null ? callback(null, result) : callback(error)), 0);
    };
  }
  const unsupported = (name) => function () {
    throw new p.Error(`zlib.${name} is not supported by actionbox's emulation of zlib (it provides the one-shot ${p.ArrayPrototypeJoin(ops, '/')} functions, sync and callback)`);
  };
  for (const name of ['createGzip', 'createGunzip', 'createDeflate', 'createInflate', 'createDeflateRaw',
    'createInflateRaw', 'createUnzip', 'brotliCompressSync', 'brotliDecompressSync', 'brotliCompress', 'brotliDecompress']) {
    zlib[name] = unsupported(name);
  }
  zlib.constants = {
    Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5,
    Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
    Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1,
  };
  rt.zlib = zlib;
})
