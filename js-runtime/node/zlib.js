// The zlib module: deflate/inflate, raw, gzip/gunzip and unzip, one-shot
// (sync and callback) and as streams, backed by flate2. No brotli.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { TypeError } = p;
  rt.load('node/buffer');

  function input(data, name) {
    if (typeof data === 'string') return rt.bytesOf(data, 'utf8');
    if (data instanceof p.Uint8Array) return data;
    if (p.ArrayBufferIsView(data)) return new p.Uint8Array(data.buffer, data.byteOffset, data.byteLength);
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
  zlib.constants = {
    Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5,
    Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
    Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
    Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1,
    Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0, ZLIB_VERNUM: 4865,
    DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4, DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7,
    BROTLI_DECODE: 8, BROTLI_ENCODE: 9,
    Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15, Z_MIN_CHUNK: 64,
    Z_MAX_CHUNK: Infinity, Z_DEFAULT_CHUNK: 16384, Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9,
    Z_DEFAULT_MEMLEVEL: 8, Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1,
    BROTLI_OPERATION_PROCESS: 0, BROTLI_OPERATION_FLUSH: 1, BROTLI_OPERATION_FINISH: 2,
    BROTLI_OPERATION_EMIT_METADATA: 3, BROTLI_PARAM_MODE: 0, BROTLI_MODE_GENERIC: 0,
    BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2, BROTLI_DEFAULT_MODE: 0, BROTLI_PARAM_QUALITY: 1,
    BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11, BROTLI_DEFAULT_QUALITY: 11, BROTLI_PARAM_LGWIN: 2,
    BROTLI_PARAM_SIZE_HINT: 5,
  };
  // The legacy names on the module itself (node-fetch reads zlib.Z_SYNC_FLUSH).
  const constantNames = p.ObjectKeys(zlib.constants);
  for (let i = 0; i < constantNames.length; i++) {
    if (p.StringPrototypeStartsWith(constantNames[i], 'Z_')) zlib[constantNames[i]] = zlib.constants[constantNames[i]];
  }
  zlib.codes = {
    Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
    Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
    '0': 'Z_OK', '1': 'Z_STREAM_END', '2': 'Z_NEED_DICT', '-1': 'Z_ERRNO', '-2': 'Z_STREAM_ERROR',
    '-3': 'Z_DATA_ERROR', '-4': 'Z_MEM_ERROR', '-5': 'Z_BUF_ERROR', '-6': 'Z_VERSION_ERROR',
  };

  // Streams: a Transform that collects its input and converts it in one
  // host call when the input ends, so the 64 MiB cap on inflated output
  // holds for streams too (a decompression bomb fails with the same
  // error). The output arrives in one chunk at the end rather than as the
  // input flows; what it contains is the same.
  rt.load('node/stream');
  const { Transform } = rt.stream;
  class ZlibStream extends Transform {
    constructor(op, options) {
      super(options);
      this._op = op;
      this._chunks = [];
      this.bytesWritten = 0;
      this._closed = false;
    }
    _transform(chunk, encoding, callback) {
      const bytes = typeof chunk === 'string' ? rt.bytesOf(chunk, encoding === 'buffer' ? 'utf8' : encoding) : input(chunk, 'chunk');
      this.bytesWritten += bytes.length;
      p.ArrayPrototypePush(this._chunks, bytes);
      callback();
    }
    _flush(callback) {
      const whole = rt.Buffer.concat(this._chunks);
      this._chunks = [];
      let out;
      try {
        out = run(this._op, whole);
      } catch (e) {
        callback(e);
        return;
      }
      callback(null, out);
    }
    flush(kind, callback) {
      if (typeof kind === 'function') callback = kind;
      if (typeof callback === 'function') rt.timers.setImmediate(callback);
    }
    params(level, strategy, callback) {
      if (typeof callback === 'function') rt.timers.setImmediate(callback);
    }
    reset() { this._chunks = []; }
    close(callback) {
      if (typeof callback === 'function') this.once('close', callback);
      this._closed = true;
      this.destroy();
    }
  }
  const CLASSES = {
    Deflate: 'deflate', Inflate: 'inflate', DeflateRaw: 'deflateRaw', InflateRaw: 'inflateRaw',
    Gzip: 'gzip', Gunzip: 'gunzip', Unzip: 'unzip',
  };
  const classNames = p.ObjectKeys(CLASSES);
  for (let i = 0; i < classNames.length; i++) {
    const name = classNames[i];
    const op = CLASSES[name];
    const Class = { [name]: class extends ZlibStream { constructor(options) { super(op, options); } } }[name];
    zlib[name] = Class;
    zlib[`create${name}`] = (options) => new Class(options);
  }
  // Brotli is not provided: the names are absent, so packages that look
  // for it (axios, node-fetch) do not ask servers for it.
  rt.zlib = zlib;
})
