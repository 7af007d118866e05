// The crypto module (and the web `crypto` global): hashes, HMACs, random
// bytes and UUIDs, timing-safe comparison, AES-CBC/GCM ciphers. The
// primitives are RustCrypto's (host.*); this file gives them Node's API.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { TypeError, RangeError, Uint8Array } = p;
  rt.load('node/buffer');
  const Buffer = rt.Buffer;

  const HASHES = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];
  const CIPHERS = ['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'aes-128-gcm', 'aes-192-gcm', 'aes-256-gcm'];

  function normaliseHash(algorithm) {
    const name = p.StringPrototypeReplace(p.StringPrototypeToLowerCase(`${algorithm}`), /-/g, '');
    return name === 'rsasha256' ? 'sha256' : name;
  }

  function toBytes(data, encoding, name) {
    if (typeof data === 'string') return rt.bytesOf(data, encoding);
    if (data instanceof Uint8Array) return data;
    if (p.ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof p.ArrayBuffer) return new Uint8Array(data);
    const err = new TypeError(`The "${name}" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${rt.describeReceived(data)}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }

  function output(bytes, encoding) {
    const buf = rt.wrapBuffer(bytes);
    return encoding === undefined || encoding === 'buffer' ? buf : buf.toString(encoding);
  }

  function concat(chunks) {
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  class Hash {
    constructor(algorithm, key) {
      this._algorithm = normaliseHash(algorithm);
      if (!p.ArrayPrototypeIncludes(HASHES, this._algorithm)) {
        throw new p.Error(key === undefined ? 'Digest method not supported' : `Invalid digest: ${algorithm}`);
      }
      this._key = key;
      this._chunks = [];
      this._done = false;
    }
    update(data, inputEncoding) {
      if (this._done) {
        const err = new p.Error('Digest already called');
        err.code = 'ERR_CRYPTO_HASH_FINALIZED';
        throw err;
      }
      p.ArrayPrototypePush(this._chunks, toBytes(data, inputEncoding, 'data'));
      return this;
    }
    digest(encoding) {
      if (this._done) {
        const err = new p.Error('Digest already called');
        err.code = 'ERR_CRYPTO_HASH_FINALIZED';
        throw err;
      }
      this._done = true;
      const data = concat(this._chunks.length === 0 ? [new Uint8Array(0)] : this._chunks);
      const bytes = this._key === undefined ? host.hash(this._algorithm, data) : host.hmac(this._algorithm, this._key, data);
      return output(bytes, encoding);
    }
    copy() {
      const copy = new Hash(this._algorithm, this._key);
      copy._chunks = p.ArrayPrototypeSlice(this._chunks);
      return copy;
    }
  }

  function createHash(algorithm) {
    return new Hash(algorithm);
  }
  function createHmac(algorithm, key) {
    if (key === null || key === undefined) {
      const err = new TypeError(`The "key" argument must be of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey. Received ${rt.describeReceived(key)}`);
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    return new Hash(algorithm, toBytes(key, 'utf8', 'key'));
  }
  function hash(algorithm, data, outputEncoding = 'hex') {
    return createHash(algorithm).update(data).digest(outputEncoding);
  }

  function randomBytes(size, callback) {
    if (typeof size !== 'number' || !(size >= 0 && size <= 2 ** 31 - 1)) {
      const err = new RangeError(`The value of "size" is out of range. It must be >= 0 && <= ${2 ** 31 - 1}. Received ${size}`);
      err.code = 'ERR_OUT_OF_RANGE';
      throw err;
    }
    const bytes = rt.wrapBuffer(host.randomBytes(size));
    if (typeof callback === 'function') {
      p.PromisePrototypeThen(p.PromiseResolve(), () => callback(null, bytes));
      return undefined;
    }
    return bytes;
  }
  function randomInt(min, max, callback) {
    if (max === undefined || typeof max === 'function') {
      callback = max;
      max = min;
      min = 0;
    }
    const range = max - min;
    if (!(range > 0)) {
      const err = new RangeError(`The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`);
      err.code = 'ERR_OUT_OF_RANGE';
      throw err;
    }
    const bytes = host.randomBytes(6);
    let n = 0;
    for (let i = 0; i < 6; i++) n = n * 256 + bytes[i];
    const value = min + (n % range);
    if (typeof callback === 'function') {
      p.PromisePrototypeThen(p.PromiseResolve(), () => callback(null, value));
      return undefined;
    }
    return value;
  }
  function getRandomValues(array) {
    if (!p.ArrayBuffer.isView(array)) {
      const err = new TypeError('The data argument must be an integer-type TypedArray');
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    if (array.byteLength > 65536) {
      rt.load('node/web');
      throw new rt.DOMException(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`, 'QuotaExceededError');
    }
    const bytes = host.randomBytes(array.byteLength);
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(bytes);
    return array;
  }
  function timingSafeEqual(a, b) {
    const x = toBytes(a, undefined, 'buf1');
    const y = toBytes(b, undefined, 'buf2');
    if (x.length !== y.length) {
      const err = new RangeError('Input buffers must have the same byte length');
      err.code = 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH';
      throw err;
    }
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
    return diff === 0;
  }

  class Cipher {
    constructor(mode, algorithm, key, iv) {
      const alg = p.StringPrototypeToLowerCase(`${algorithm}`);
      if (!p.ArrayPrototypeIncludes(CIPHERS, alg)) {
        const err = new TypeError(`Invalid cipher type: actionbox's emulation of crypto supports ${p.ArrayPrototypeJoin(CIPHERS, ', ')}`);
        err.code = 'ERR_CRYPTO_UNKNOWN_CIPHER';
        throw err;
      }
      this._mode = mode;
      this._algorithm = alg;
      this._key = toBytes(key, 'utf8', 'key');
      this._iv = toBytes(iv, 'utf8', 'iv');
      if (this._key.length * 8 !== p.NumberParseInt(p.StringPrototypeSlice(alg, 4, 7), 10)) {
        const err = new RangeError('Invalid key length');
        err.code = 'ERR_CRYPTO_INVALID_KEYLEN';
        throw err;
      }
      const gcm = p.StringPrototypeEndsWith(alg, 'gcm');
      if ((!gcm && this._iv.length !== 16) || (gcm && this._iv.length === 0)) {
        const err = new TypeError('Invalid initialization vector');
        err.code = 'ERR_CRYPTO_INVALID_IV';
        throw err;
      }
      this._chunks = [];
      this._aad = new Uint8Array(0);
      this._tag = undefined;
      this._done = false;
      this._autoPadding = true;
    }
    update(data, inputEncoding, outputEncoding) {
      p.ArrayPrototypePush(this._chunks, toBytes(data, inputEncoding, 'data'));
      // Everything comes out at final(): concatenated, the result is the same.
      return outputEncoding === undefined || outputEncoding === 'buffer' ? Buffer.alloc(0) : '';
    }
    final(outputEncoding) {
      if (this._done) throw new p.Error('Unsupported state');
      if (!this._autoPadding) {
        throw new p.Error("setAutoPadding(false) is not supported by actionbox's emulation of crypto");
      }
      this._done = true;
      const data = this._chunks.length === 0 ? new Uint8Array(0) : concat(this._chunks);
      const tag = this._tag === undefined ? new Uint8Array(0) : this._tag;
      let result;
      try {
        result = host.cipher(this._mode, this._algorithm, this._key, this._iv, data, this._aad, tag);
      } catch (e) {
        if (this._mode === 'decrypt' && p.StringPrototypeEndsWith(this._algorithm, 'cbc')) {
          // OpenSSL's words for a wrong key or corrupt data.
          const err = new p.Error('error:1C800064:Provider routines::bad decrypt');
          err.library = 'Provider routines';
          err.reason = 'bad decrypt';
          err.code = 'ERR_OSSL_BAD_DECRYPT';
          throw err;
        }
        throw new p.Error(e.message);
      }
      if (this._mode === 'encrypt') this._tag = rt.wrapBuffer(result[1]);
      return output(result[0], outputEncoding);
    }
    setAAD(buffer) {
      this._aad = toBytes(buffer, undefined, 'buffer');
      return this;
    }
    getAuthTag() {
      if (this._mode !== 'encrypt' || !this._done || this._tag === undefined || this._tag.length === 0) {
        throw new p.Error('Invalid state for operation getAuthTag');
      }
      return this._tag;
    }
    setAuthTag(tag) {
      this._tag = toBytes(tag, undefined, 'buffer');
      return this;
    }
    setAutoPadding(value = true) {
      this._autoPadding = value;
      return this;
    }
  }

  const crypto = {
    createHash, createHmac, hash, randomBytes, randomInt, randomUUID: () => host.uuid(),
    getRandomValues, timingSafeEqual,
    createCipheriv: (algorithm, key, iv) => new Cipher('encrypt', algorithm, key, iv),
    createDecipheriv: (algorithm, key, iv) => new Cipher('decrypt', algorithm, key, iv),
    getHashes: () => p.ArrayPrototypeSlice(HASHES),
    getCiphers: () => p.ArrayPrototypeSlice(CIPHERS),
    constants: {},
  };
  crypto.webcrypto = { getRandomValues, randomUUID: crypto.randomUUID };
  crypto.randomFillSync = (buffer) => getRandomValues(buffer);
  rt.crypto = crypto;
  rt.globals.crypto = crypto.webcrypto;
})
