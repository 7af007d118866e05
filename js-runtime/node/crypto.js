// The crypto module (and the web `crypto` global): hashes, HMACs, random
// bytes and UUIDs, timing-safe comparison, AES-CBC/GCM ciphers, key objects,
// signatures, key generation, PBKDF2/scrypt/HKDF and webcrypto.subtle. The
// primitives are the host's (src/engine/host/crypto.rs and keys.rs); this
// file gives them Node's API.
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
    if (p.ArrayBufferIsView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
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
    const secret = keyData(key);
    if (secret !== undefined && secret.kind !== 'secret') {
      throw codedError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${secret.kind}, expected secret.`);
    }
    const inner = cryptoKeyData(key);
    return new Hash(algorithm, secret !== undefined ? secret.bytes : (inner !== undefined ? keyData(inner.keyObject).bytes : toBytes(key, 'utf8', 'key')));
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
    if (!p.ArrayBufferIsView(array)) {
      const err = new TypeError('The data argument must be an integer-type TypedArray');
      err.code = 'ERR_INVALID_ARG_TYPE';
      throw err;
    }
    if (array.byteLength > 65536) {
      rt.load('node/web');
      throw new rt.DOMException(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`, 'QuotaExceededError');
    }
    const bytes = host.randomBytes(array.byteLength);
    p.TypedArrayPrototypeSet(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), bytes);
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


  // ---- Keys and signatures -------------------------------------------------
  // A KeyObject holds its key in the host's canonical form (PKCS#8 DER for a
  // private key, SPKI DER for a public one, the bytes of a secret key) in a
  // private field; the host (src/engine/host/keys.rs) reads and writes every
  // key format, so nothing here parses key material.

  const constants = {
    RSA_PKCS1_PADDING: 1, RSA_NO_PADDING: 3, RSA_PKCS1_OAEP_PADDING: 4, RSA_PKCS1_PSS_PADDING: 6,
    RSA_PSS_SALTLEN_DIGEST: -1, RSA_PSS_SALTLEN_MAX_SIGN: -2, RSA_PSS_SALTLEN_AUTO: -2,
    POINT_CONVERSION_COMPRESSED: 2, POINT_CONVERSION_UNCOMPRESSED: 4, POINT_CONVERSION_HYBRID: 6,
  };

  function codedError(Kind, code, message) {
    const err = new Kind(message);
    err.code = code;
    return err;
  }
  // The host's error, with the code Node gives a key it cannot read.
  function hostCall(fn, code, Kind) {
    try {
      return fn();
    } catch (e) {
      throw codedError(Kind || p.Error, code || 'ERR_OSSL_UNSUPPORTED', e.message);
    }
  }

  const CONSTRUCT = p.Symbol('KeyObject');
  let keyData;
  class KeyObject {
    #data;
    constructor(token, data) {
      if (token !== CONSTRUCT) {
        throw codedError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
      }
      this.#data = data;
    }
    static {
      keyData = (key) => (key !== null && typeof key === 'object' && #data in key ? key.#data : undefined);
    }
    get type() { return this.#data.kind; }
    equals(other) {
      const theirs = keyData(other);
      if (theirs === undefined) throw rt.invalidArgType('otherKeyObject', 'an instance of KeyObject', other);
      if (theirs.kind !== this.#data.kind) return false;
      const a = this.#data.kind === 'secret' ? this.#data.bytes : this.#data.der;
      const b = theirs.kind === 'secret' ? theirs.bytes : theirs.der;
      return a.length === b.length && timingSafeEqual(a, b);
    }
    static from(key) {
      const inner = cryptoKeyData(key);
      if (inner === undefined) throw rt.invalidArgType('key', 'an instance of CryptoKey', key);
      return inner.keyObject;
    }
  }
  class SecretKeyObject extends KeyObject {
    get symmetricKeySize() { return keyData(this).bytes.length; }
    export(options) {
      const { bytes } = keyData(this);
      if (options !== undefined && options !== null && options.format === 'jwk') {
        return { kty: 'oct', k: rt.wrapBuffer(bytes).toString('base64url') };
      }
      return Buffer.from(bytes);
    }
  }
  class AsymmetricKeyObject extends KeyObject {
    get asymmetricKeyType() { return keyData(this).keyType; }
    get asymmetricKeyDetails() {
      const details = p.JSONParse(keyData(this).details);
      if (details.publicExponent !== undefined) details.publicExponent = p.BigInt(details.publicExponent);
      return details;
    }
    export(options) {
      const data = keyData(this);
      if (options === null || typeof options !== 'object') throw rt.invalidArgType('options', 'of type object', options);
      const format = options.format === undefined ? 'pem' : options.format;
      if (format === 'jwk') return p.JSONParse(host.keyExport(data.kind, data.der, 'jwk', ''));
      if (format !== 'pem' && format !== 'der') {
        throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.format' must be one of: 'pem', 'der', 'jwk'. Received '${format}'`);
      }
      if (options.cipher !== undefined || options.passphrase !== undefined) {
        throw new p.Error("Encrypting a private key on export (cipher, passphrase) is not supported by actionbox's crypto");
      }
      const type = options.type === undefined ? (data.kind === 'private' ? 'pkcs8' : 'spki') : `${options.type}`;
      const out = hostCall(() => host.keyExport(data.kind, data.der, format, type), 'ERR_CRYPTO_INCOMPATIBLE_KEY_OPTIONS');
      return format === 'pem' ? out : rt.wrapBuffer(out);
    }
  }
  class PublicKeyObject extends AsymmetricKeyObject {}
  class PrivateKeyObject extends AsymmetricKeyObject {}

  // (Parts read by index, not destructured: a script may have replaced
  // the array iterator; docs/security.md, hazard 8.)
  function asymmetricKey(parts) {
    const kind = parts[0];
    const data = { kind, keyType: parts[1], der: parts[2], details: parts[3] };
    return kind === 'private' ? new PrivateKeyObject(CONSTRUCT, data) : new PublicKeyObject(CONSTRUCT, data);
  }
  // A copy of an array or typed array of bytes. Not `Uint8Array.from`:
  // a script may have replaced it, or the iterators it uses, before this
  // file loaded (docs/security.md, hazard 8).
  function copyBytes(source) {
    // A typed array's length through the captured getter, not one the
    // script may have replaced or shadowed.
    const out = new Uint8Array(p.ArrayIsArray(source) ? source.length : p.TypedArrayPrototypeGetLength(source));
    p.TypedArrayPrototypeSet(out, source);
    return out;
  }
  function secretKey(bytes) {
    return new SecretKeyObject(CONSTRUCT, { kind: 'secret', bytes: copyBytes(bytes) });
  }

  function isBytes(value) {
    return typeof value === 'string' || p.ArrayBufferIsView(value) || value instanceof p.ArrayBuffer;
  }

  // Node's key inputs: a KeyObject, a CryptoKey, PEM text or bytes, or
  // { key, format, type, encoding, passphrase } (a JWK as an object).
  function importAsymmetric(kind, input, argName) {
    const direct = keyData(input) !== undefined ? input : (cryptoKeyData(input) !== undefined ? cryptoKeyData(input).keyObject : undefined);
    if (direct !== undefined) return fromKeyObject(kind, direct);
    let key = input;
    let format = 'pem';
    let type = '';
    let encoding;
    if (input !== null && typeof input === 'object' && !isBytes(input)) {
      key = input.key;
      if (input.format !== undefined) format = `${input.format}`;
      if (input.type !== undefined) type = `${input.type}`;
      encoding = input.encoding;
      if (input.passphrase !== undefined && input.passphrase !== null && `${input.passphrase}` !== '') {
        throw new p.Error("Encrypted private keys (a passphrase) are not supported by actionbox's crypto");
      }
      const inner = keyData(key) !== undefined ? key : (cryptoKeyData(key) !== undefined ? cryptoKeyData(key).keyObject : undefined);
      if (inner !== undefined) return fromKeyObject(kind, inner);
    }
    let bytes;
    if (format === 'jwk') {
      if (key === null || typeof key !== 'object') throw rt.invalidArgType('key.key', 'of type object', key);
      bytes = rt.bytesOf(p.JSONStringify(key), 'utf8');
    } else if (format === 'pem' || format === 'der') {
      if (!isBytes(key)) {
        throw rt.invalidArgType(argName, 'of type string or an instance of ArrayBuffer, Buffer, TypedArray, DataView, KeyObject, or CryptoKey', key);
      }
      bytes = toBytes(key, encoding, argName);
      if (format === 'der' && type === '') {
        throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', "The property 'options.type' is invalid. Received undefined");
      }
    } else {
      throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'key.format' must be one of: 'pem', 'der', 'jwk'. Received '${format}'`);
    }
    return asymmetricKey(hostCall(() => host.keyImport(kind, format, bytes, type)));
  }
  function fromKeyObject(kind, key) {
    const data = keyData(key);
    if (data.kind === kind) return key;
    if (kind === 'public' && data.kind === 'private') {
      return asymmetricKey(host.keyImport('public', 'der', data.der, 'pkcs8'));
    }
    throw codedError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${data.kind}, expected ${kind}.`);
  }

  function createPrivateKey(key) {
    return importAsymmetric('private', key, 'key');
  }
  function createPublicKey(key) {
    return importAsymmetric('public', key, 'key');
  }
  function createSecretKey(key, encoding) {
    if (typeof key === 'string') return secretKey(rt.bytesOf(key, encoding));
    return secretKey(toBytes(key, undefined, 'key'));
  }

  // The digest a signature algorithm name means: 'RSA-SHA256',
  // 'sha256WithRSAEncryption', 'ecdsa-with-SHA256', 'SHA256'.
  function signatureHash(algorithm) {
    let name = p.StringPrototypeToLowerCase(`${algorithm}`);
    name = p.StringPrototypeReplace(name, /^(rsa-|ecdsa-with-)/, '');
    name = p.StringPrototypeReplace(name, /withrsaencryption$/, '');
    name = p.StringPrototypeReplace(name, /-/g, '');
    if (!p.ArrayPrototypeIncludes(HASHES, name)) throw codedError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${algorithm}`);
    return name;
  }

  // Options that travel with a key input: padding, saltLength, dsaEncoding.
  function signingOptions(key) {
    const options = key !== null && typeof key === 'object' && !isBytes(key) && keyData(key) === undefined && cryptoKeyData(key) === undefined ? key : {};
    const dsaEncoding = options.dsaEncoding === undefined ? 'der' : options.dsaEncoding;
    if (dsaEncoding !== 'der' && dsaEncoding !== 'ieee-p1363') {
      throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.dsaEncoding' is invalid. Received '${dsaEncoding}'`);
    }
    return {
      padding: options.padding === undefined ? undefined : options.padding,
      saltLength: options.saltLength === undefined ? undefined : options.saltLength,
      dsaEncoding,
    };
  }

  function signWith(hash, data, key) {
    const privateKey = importAsymmetric('private', key, 'key');
    const options = signingOptions(key);
    const { der } = keyData(privateKey);
    return rt.wrapBuffer(hostCall(() => host.keySign(hash, 'private', der, data, options.padding, options.saltLength, options.dsaEncoding), 'ERR_OSSL_EVP_OPERATION_NOT_SUPPORTED_FOR_THIS_KEYTYPE'));
  }
  function verifyWith(hash, data, key, signature) {
    const publicKey = importAsymmetric('public', key, 'key');
    const options = signingOptions(key);
    const { der } = keyData(publicKey);
    return hostCall(() => host.keyVerify(hash, 'public', der, data, signature, options.padding, options.saltLength, options.dsaEncoding), 'ERR_OSSL_EVP_OPERATION_NOT_SUPPORTED_FOR_THIS_KEYTYPE');
  }

  class Sign {
    constructor(algorithm) {
      this._hash = signatureHash(algorithm);
      this._chunks = [];
    }
    update(data, inputEncoding) {
      p.ArrayPrototypePush(this._chunks, toBytes(data, inputEncoding, 'data'));
      return this;
    }
    write(data, encoding, callback) {
      this.update(data, typeof encoding === 'string' ? encoding : undefined);
      if (typeof encoding === 'function') encoding();
      else if (typeof callback === 'function') callback();
      return true;
    }
    end(data, encoding) {
      if (data !== undefined && typeof data !== 'function') this.update(data, typeof encoding === 'string' ? encoding : undefined);
      return this;
    }
    _data() {
      return this._chunks.length === 0 ? new Uint8Array(0) : concat(this._chunks);
    }
    sign(privateKey, outputEncoding) {
      const signature = signWith(this._hash, this._data(), privateKey);
      return outputEncoding === undefined || outputEncoding === 'buffer' ? signature : signature.toString(outputEncoding);
    }
  }
  class Verify extends Sign {
    verify(key, signature, signatureEncoding) {
      const sig = toBytes(signature, signatureEncoding, 'signature');
      return verifyWith(this._hash, this._data(), key, sig);
    }
  }
  p.ObjectDefineProperty(Verify.prototype, 'sign', { value: undefined });

  function later(callback, fn) {
    p.PromisePrototypeThen(p.PromiseResolve(), () => {
      let result;
      try {
        result = fn();
      } catch (err) {
        callback(err);
        return;
      }
      callback(null, result);
    });
  }

  function oneShotSign(algorithm, data, key, callback) {
    const hash = algorithm === null || algorithm === undefined ? '' : signatureHash(algorithm);
    const bytes = toBytes(data, undefined, 'data');
    if (typeof callback === 'function') return later(callback, () => signWith(hash, bytes, key));
    return signWith(hash, bytes, key);
  }
  function oneShotVerify(algorithm, data, key, signature, callback) {
    const hash = algorithm === null || algorithm === undefined ? '' : signatureHash(algorithm);
    const bytes = toBytes(data, undefined, 'data');
    const sig = toBytes(signature, undefined, 'signature');
    if (typeof callback === 'function') return later(callback, () => verifyWith(hash, bytes, key, sig));
    return verifyWith(hash, bytes, key, sig);
  }

  function generateKeyPairSync(type, options = {}) {
    const keyType = `${type}`;
    let bits = 0;
    let exponent = 65537;
    let curve = '';
    if (keyType === 'rsa') {
      bits = options.modulusLength;
      if (typeof bits !== 'number') throw rt.invalidArgType('options.modulusLength', 'of type number', bits);
      if (options.publicExponent !== undefined) exponent = options.publicExponent;
    } else if (keyType === 'ec') {
      curve = options.namedCurve;
      if (typeof curve !== 'string') throw rt.invalidArgType('options.namedCurve', 'of type string', curve);
    }
    const pair = hostCall(() => host.keyGenerate(keyType, bits, exponent, curve), 'ERR_CRYPTO_INVALID_KEY_OPTIONS');
    const privateKey = asymmetricKey(pair[0]);
    const publicKey = asymmetricKey(pair[1]);
    return {
      publicKey: options.publicKeyEncoding === undefined ? publicKey : publicKey.export(options.publicKeyEncoding),
      privateKey: options.privateKeyEncoding === undefined ? privateKey : privateKey.export(options.privateKeyEncoding),
    };
  }
  function generateKeyPair(type, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    if (typeof callback !== 'function') throw rt.invalidArgType('callback', 'of type function', callback);
    p.PromisePrototypeThen(p.PromiseResolve(), () => {
      let pair;
      try {
        pair = generateKeyPairSync(type, options);
      } catch (err) {
        callback(err);
        return;
      }
      callback(null, pair.publicKey, pair.privateKey);
    });
  }
  // util.promisify(generateKeyPair) resolves to { publicKey, privateKey }, as Node's.
  p.ObjectDefineProperty(generateKeyPair, p.SymbolFor('nodejs.util.promisify.custom'), {
    value: (type, options) => new p.Promise((resolve, reject) => generateKeyPair(type, options, (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })))),
  });
  function generateKeySync(type, options = {}) {
    const length = options.length;
    if (type === 'hmac') {
      if (!(NumberIsInteger(length) && length >= 8 && length <= 2 ** 31 - 1)) {
        throw codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "options.length" is out of range. It must be >= 8 && <= ${2 ** 31 - 1}. Received ${length}`);
      }
      return secretKey(host.randomBytes(p.MathFloor(length / 8)));
    }
    if (type === 'aes') {
      if (length !== 128 && length !== 192 && length !== 256) {
        throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The property 'options.length' must be one of: 128, 192, 256. Received ${length}`);
      }
      return secretKey(host.randomBytes(length / 8));
    }
    throw codedError(TypeError, 'ERR_INVALID_ARG_VALUE', `The argument 'type' must be one of: 'aes', 'hmac'. Received '${type}'`);
  }
  const NumberIsInteger = p.NumberIsInteger;

  // Key material for a KDF: a string, bytes or a secret KeyObject.
  function secretBytes(value, name) {
    const data = keyData(value);
    if (data !== undefined) {
      if (data.kind !== 'secret') throw codedError(TypeError, 'ERR_CRYPTO_INVALID_KEY_OBJECT_TYPE', `Invalid key object type ${data.kind}, expected secret.`);
      return data.bytes;
    }
    return toBytes(value, 'utf8', name);
  }
  function checkLength(value, name) {
    if (typeof value !== 'number') throw rt.invalidArgType(name, 'of type number', value);
    if (!(NumberIsInteger(value) && value >= 0 && value <= 2 ** 31 - 1)) {
      throw codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "${name}" is out of range. It must be >= 0 && <= ${2 ** 31 - 1}. Received ${value}`);
    }
  }

  function pbkdf2Sync(password, salt, iterations, keylen, digest) {
    const pass = secretBytes(password, 'password');
    const saltBytes = secretBytes(salt, 'salt');
    checkLength(iterations, 'iterations');
    checkLength(keylen, 'keylen');
    if (typeof digest !== 'string') throw rt.invalidArgType('digest', 'of type string', digest);
    const name = normaliseHash(digest);
    if (!p.ArrayPrototypeIncludes(HASHES, name)) throw codedError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${digest}`);
    return rt.wrapBuffer(host.pbkdf2(name, pass, saltBytes, iterations, keylen));
  }
  function pbkdf2(password, salt, iterations, keylen, digest, callback) {
    if (typeof callback !== 'function') throw rt.invalidArgType('callback', 'of type function', callback);
    const run = () => pbkdf2Sync(password, salt, iterations, keylen, digest);
    // Argument errors throw at once, as Node's do; only the work is deferred.
    pbkdf2Sync(password, salt, 1, 0, digest);
    later(callback, run);
  }

  function scryptOptions(options) {
    const o = options === undefined || options === null ? {} : options;
    const pick = (a, b, dflt) => (o[a] !== undefined ? o[a] : (o[b] !== undefined ? o[b] : dflt));
    return [pick('N', 'cost', 16384), pick('r', 'blockSize', 8), pick('p', 'parallelization', 1), o.maxmem === undefined ? 32 << 20 : o.maxmem];
  }
  function scryptSync(password, salt, keylen, options) {
    const pass = secretBytes(password, 'password');
    const saltBytes = secretBytes(salt, 'salt');
    checkLength(keylen, 'keylen');
    const scrypt = scryptOptions(options);
    const cost = scrypt[0], blockSize = scrypt[1], parallelization = scrypt[2], maxmem = scrypt[3];
    return rt.wrapBuffer(hostCall(() => host.scrypt(pass, saltBytes, keylen, cost, blockSize, parallelization, maxmem), 'ERR_CRYPTO_INVALID_SCRYPT_PARAMS', RangeError));
  }
  function scrypt(password, salt, keylen, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    if (typeof callback !== 'function') throw rt.invalidArgType('callback', 'of type function', callback);
    later(callback, () => scryptSync(password, salt, keylen, options));
  }

  const HASH_BYTES = { md5: 16, sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };
  function hkdfSync(digest, ikm, salt, info, keylen) {
    if (typeof digest !== 'string') throw rt.invalidArgType('digest', 'of type string', digest);
    const name = normaliseHash(digest);
    if (!p.ArrayPrototypeIncludes(HASHES, name)) throw codedError(TypeError, 'ERR_CRYPTO_INVALID_DIGEST', `Invalid digest: ${digest}`);
    const key = secretBytes(ikm, 'ikm');
    const saltBytes = secretBytes(salt, 'salt');
    const infoBytes = secretBytes(info, 'info');
    checkLength(keylen, 'keylen');
    if (infoBytes.length > 1024) {
      throw codedError(RangeError, 'ERR_OUT_OF_RANGE', `The value of "info" is out of range. It must be <= 1024. Received ${infoBytes.length}`);
    }
    if (keylen > 255 * HASH_BYTES[name]) throw codedError(RangeError, 'ERR_CRYPTO_INVALID_KEYLEN', 'Invalid key length');
    const out = host.hkdf(name, key, saltBytes, infoBytes, keylen);
    return out.buffer;
  }
  function hkdf(digest, ikm, salt, info, keylen, callback) {
    if (typeof callback !== 'function') throw rt.invalidArgType('callback', 'of type function', callback);
    const result = hkdfSync(digest, ikm, salt, info, keylen);
    later(callback, () => result);
  }

  // ---- webcrypto.subtle ------------------------------------------------------
  // CryptoKeys wrap KeyObjects; every operation is the KeyObject's, answered
  // as a promise with WebCrypto's errors (DOMException names).

  let cryptoKeyData;
  class CryptoKey {
    #inner;
    constructor(token, inner) {
      if (token !== CONSTRUCT) throw codedError(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR', 'Illegal constructor');
      this.#inner = inner;
    }
    static {
      cryptoKeyData = (key) => (key !== null && typeof key === 'object' && #inner in key ? key.#inner : undefined);
    }
    get type() { return keyData(this.#inner.keyObject).kind; }
    get extractable() { return this.#inner.extractable; }
    get algorithm() { return this.#inner.algorithm; }
    get usages() { return p.ArrayPrototypeSlice(this.#inner.usages); }
    get [p.SymbolToStringTag]() { return 'CryptoKey'; }
  }
  function cryptoKey(keyObject, algorithm, extractable, usages) {
    return new CryptoKey(CONSTRUCT, { keyObject, algorithm, extractable: !!extractable, usages: p.ArrayPrototypeSlice(usages) });
  }

  function domError(message, name) {
    rt.load('node/web');
    return new rt.DOMException(message, name);
  }
  const SUBTLE_HASHES = { 'SHA-1': 'sha1', 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };
  const ALGORITHMS = ['HMAC', 'RSASSA-PKCS1-v1_5', 'RSA-PSS', 'ECDSA', 'Ed25519', 'PBKDF2', 'HKDF'];
  function algorithmOf(value) {
    const algorithm = typeof value === 'string' ? { name: value } : value;
    if (algorithm === null || typeof algorithm !== 'object' || typeof algorithm.name !== 'string') {
      throw domError('Algorithm: Unrecognized name', 'NotSupportedError');
    }
    const upper = p.StringPrototypeToUpperCase(algorithm.name);
    const name = p.ArrayPrototypeFind(ALGORITHMS, (n) => p.StringPrototypeToUpperCase(n) === upper)
      || p.ArrayPrototypeFind(p.ObjectKeys(SUBTLE_HASHES), (n) => n === upper);
    if (name === undefined) {
      throw domError(`Unrecognized algorithm name: actionbox's webcrypto supports ${p.ArrayPrototypeJoin(ALGORITHMS, ', ')} and SHA digests`, 'NotSupportedError');
    }
    return { ...algorithm, name };
  }
  function hashOf(value) {
    const hash = typeof value === 'string' ? value : (value !== null && typeof value === 'object' ? value.name : undefined);
    const upper = typeof hash === 'string' ? p.StringPrototypeToUpperCase(hash) : '';
    if (SUBTLE_HASHES[upper] === undefined) throw domError('Unrecognized hash name', 'NotSupportedError');
    return upper;
  }
  function bufferSource(value, name) {
    if (p.ArrayBufferIsView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    if (value instanceof p.ArrayBuffer) return new Uint8Array(value);
    throw rt.invalidArgType(name, 'an instance of ArrayBuffer, Buffer, TypedArray, or DataView', value);
  }
  function arrayBuffer(bytes) {
    return p.TypedArrayPrototypeGetBuffer(copyBytes(bytes));
  }
  function checkUsage(key, usage) {
    const inner = cryptoKeyData(key);
    if (inner === undefined) throw rt.invalidArgType('key', 'an instance of CryptoKey', key);
    if (!p.ArrayPrototypeIncludes(inner.usages, usage)) {
      throw domError(`The requested operation is not valid for the provided key (its usages do not include '${usage}')`, 'InvalidAccessError');
    }
    return inner;
  }
  // Runs `fn` and settles a promise with its result, as every subtle method does.
  function settle(fn) {
    try {
      return p.PromiseResolve(fn());
    } catch (err) {
      return p.PromiseReject(err);
    }
  }

  const CURVE_BYTES = { 'P-256': 32, 'P-384': 48 };
  function importKeyNow(format, keyData_, algorithm, extractable, usages) {
    const alg = algorithmOf(algorithm);
    const usageList = p.ArrayPrototypeSlice(usages);
    if (alg.name === 'HMAC') {
      const hash = hashOf(alg.hash);
      let bytes;
      if (format === 'raw') bytes = bufferSource(keyData_, 'keyData');
      else if (format === 'jwk') {
        if (keyData_ === null || typeof keyData_ !== 'object' || keyData_.kty !== 'oct') throw domError('Invalid keyData: expected a JWK of kty "oct"', 'DataError');
        bytes = rt.bytesOf(`${keyData_.k}`, 'base64url');
      } else throw domError(`Unable to import an HMAC key with format '${format}'`, 'NotSupportedError');
      const length = alg.length === undefined ? bytes.length * 8 : alg.length;
      return cryptoKey(secretKey(bytes), { name: 'HMAC', hash: { name: hash }, length }, extractable, usageList);
    }
    if (alg.name === 'PBKDF2' || alg.name === 'HKDF') {
      if (format !== 'raw') throw domError(`Unable to import a ${alg.name} key with format '${format}'`, 'NotSupportedError');
      return cryptoKey(secretKey(bufferSource(keyData_, 'keyData')), { name: alg.name }, false, usageList);
    }
    const isPrivate = format === 'pkcs8' || (format === 'jwk' && keyData_ !== null && typeof keyData_ === 'object' && keyData_.d !== undefined);
    let input;
    if (format === 'spki' || format === 'pkcs8') input = { key: Buffer.from(bufferSource(keyData_, 'keyData')), format: 'der', type: format };
    else if (format === 'jwk') input = { key: keyData_, format: 'jwk' };
    else if (format === 'raw' && alg.name === 'ECDSA') {
      const bytes = bufferSource(keyData_, 'keyData');
      const size = CURVE_BYTES[alg.namedCurve];
      if (size === undefined || bytes.length !== 1 + 2 * size || bytes[0] !== 4) throw domError('Invalid keyData: an uncompressed point on the named curve is expected', 'DataError');
      const b64 = (b) => rt.wrapBuffer(b).toString('base64url');
      input = { key: { kty: 'EC', crv: alg.namedCurve, x: b64(bytes.slice(1, 1 + size)), y: b64(bytes.slice(1 + size)) }, format: 'jwk' };
    } else if (format === 'raw' && alg.name === 'Ed25519') {
      input = { key: { kty: 'OKP', crv: 'Ed25519', x: rt.wrapBuffer(bufferSource(keyData_, 'keyData')).toString('base64url') }, format: 'jwk' };
    } else throw domError(`Unable to import a ${alg.name} key with format '${format}'`, 'NotSupportedError');
    let keyObject;
    try {
      keyObject = isPrivate ? createPrivateKey(input) : createPublicKey(input);
    } catch (err) {
      throw domError(`Invalid keyData: ${err.message}`, 'DataError');
    }
    const data = keyData(keyObject);
    let keyAlgorithm;
    if (alg.name === 'RSASSA-PKCS1-v1_5' || alg.name === 'RSA-PSS') {
      if (data.keyType !== 'rsa') throw domError('Invalid keyData: not an RSA key', 'DataError');
      const details = p.JSONParse(data.details);
      let e = p.BigInt(details.publicExponent);
      const exponent = [];
      while (e > 0n) {
        p.ArrayPrototypeUnshift(exponent, p.Number(e & 255n));
        e >>= 8n;
      }
      keyAlgorithm = { name: alg.name, modulusLength: details.modulusLength, publicExponent: copyBytes(exponent), hash: { name: hashOf(alg.hash) } };
    } else if (alg.name === 'ECDSA') {
      const curve = { prime256v1: 'P-256', secp384r1: 'P-384' }[p.JSONParse(data.details).namedCurve];
      if (data.keyType !== 'ec' || curve !== alg.namedCurve) throw domError('Invalid keyData: the key is not on the named curve', 'DataError');
      keyAlgorithm = { name: 'ECDSA', namedCurve: curve };
    } else {
      if (data.keyType !== 'ed25519') throw domError('Invalid keyData: not an Ed25519 key', 'DataError');
      keyAlgorithm = { name: 'Ed25519' };
    }
    return cryptoKey(keyObject, keyAlgorithm, extractable, usageList);
  }

  function exportKeyNow(format, key) {
    const inner = cryptoKeyData(key);
    if (inner === undefined) throw rt.invalidArgType('key', 'an instance of CryptoKey', key);
    if (!inner.extractable) throw domError('key is not extractable', 'InvalidAccessError');
    const data = keyData(inner.keyObject);
    if (data.kind === 'secret') {
      if (format === 'raw') return arrayBuffer(data.bytes);
      if (format === 'jwk') {
        const jwk = { key_ops: p.ArrayPrototypeSlice(inner.usages), ext: true, kty: 'oct', k: rt.wrapBuffer(data.bytes).toString('base64url') };
        if (inner.algorithm.name === 'HMAC') jwk.alg = `HS${p.StringPrototypeSlice(inner.algorithm.hash.name, 4)}`;
        return jwk;
      }
      throw domError(`Unable to export a secret key as '${format}'`, 'NotSupportedError');
    }
    if (format === 'spki' || format === 'pkcs8') {
      if ((format === 'spki') !== (data.kind === 'public')) throw domError(`Unable to export a ${data.kind} key as '${format}'`, 'InvalidAccessError');
      return arrayBuffer(data.der);
    }
    const jwk = inner.keyObject.export({ format: 'jwk' });
    if (format === 'jwk') {
      const out = { key_ops: p.ArrayPrototypeSlice(inner.usages), ext: true, ...jwk };
      const hash = inner.algorithm.hash === undefined ? undefined : p.StringPrototypeSlice(inner.algorithm.hash.name, 4);
      if (inner.algorithm.name === 'RSASSA-PKCS1-v1_5') out.alg = `RS${hash}`;
      if (inner.algorithm.name === 'RSA-PSS') out.alg = `PS${hash}`;
      return out;
    }
    if (format === 'raw' && data.kind === 'public' && (data.keyType === 'ec' || data.keyType === 'ed25519')) {
      const bytes = (s) => rt.bytesOf(s, 'base64url');
      if (data.keyType === 'ed25519') return arrayBuffer(bytes(jwk.x));
      // (Not `Uint8Array.of`: a static the script may have replaced.)
      const uncompressed = new Uint8Array(1);
      uncompressed[0] = 4;
      return arrayBuffer(concat([uncompressed, bytes(jwk.x), bytes(jwk.y)]));
    }
    throw domError(`Unable to export a ${inner.algorithm.name} ${data.kind} key as '${format}'`, 'NotSupportedError');
  }

  // The host's signing options for a subtle algorithm and key.
  function subtleSignArgs(algorithm, inner) {
    const alg = algorithmOf(algorithm);
    if (alg.name !== inner.algorithm.name) throw domError('The key is not for this algorithm', 'InvalidAccessError');
    switch (alg.name) {
      case 'RSASSA-PKCS1-v1_5':
        return [SUBTLE_HASHES[inner.algorithm.hash.name], undefined, undefined, 'der'];
      case 'RSA-PSS':
        return [SUBTLE_HASHES[inner.algorithm.hash.name], constants.RSA_PKCS1_PSS_PADDING, alg.saltLength, 'der'];
      case 'ECDSA':
        return [SUBTLE_HASHES[hashOf(alg.hash)], undefined, undefined, 'ieee-p1363'];
      case 'Ed25519':
        return ['', undefined, undefined, 'der'];
      default:
        throw domError(`${alg.name} cannot sign`, 'NotSupportedError');
    }
  }
  function subtleSign(algorithm, key, data) {
    const inner = checkUsage(key, 'sign');
    const bytes = bufferSource(data, 'data');
    const keyInfo = keyData(inner.keyObject);
    if (inner.algorithm.name === 'HMAC') {
      return arrayBuffer(host.hmac(SUBTLE_HASHES[inner.algorithm.hash.name], keyInfo.bytes, bytes));
    }
    const args = subtleSignArgs(algorithm, inner);
    const hash = args[0], padding = args[1], salt = args[2], encoding = args[3];
    return arrayBuffer(host.keySign(hash, 'private', keyInfo.der, bytes, padding, salt, encoding));
  }
  function subtleVerify(algorithm, key, signature, data) {
    const inner = checkUsage(key, 'verify');
    const bytes = bufferSource(data, 'data');
    const sig = bufferSource(signature, 'signature');
    const keyInfo = keyData(inner.keyObject);
    if (inner.algorithm.name === 'HMAC') {
      const mac = host.hmac(SUBTLE_HASHES[inner.algorithm.hash.name], keyInfo.bytes, bytes);
      return mac.length === sig.length && timingSafeEqual(mac, sig);
    }
    const args = subtleSignArgs(algorithm, inner);
    const hash = args[0], padding = args[1], salt = args[2], encoding = args[3];
    if (keyInfo.kind !== 'public') throw domError('Verifying needs a public key', 'InvalidAccessError');
    return host.keyVerify(hash, 'public', keyInfo.der, bytes, sig, padding, salt, encoding);
  }

  function generateKeyNow(algorithm, extractable, usages) {
    const alg = algorithmOf(algorithm);
    const only = (list) => p.ArrayPrototypeFilter(usages, (u) => p.ArrayPrototypeIncludes(list, u));
    if (alg.name === 'HMAC') {
      const hash = hashOf(alg.hash);
      const length = alg.length === undefined ? { 'SHA-1': 512, 'SHA-256': 512, 'SHA-384': 1024, 'SHA-512': 1024 }[hash] : alg.length;
      return importKeyNow('raw', host.randomBytes(p.MathFloor(length / 8)), { name: 'HMAC', hash, length }, extractable, usages);
    }
    let pair;
    if (alg.name === 'RSASSA-PKCS1-v1_5' || alg.name === 'RSA-PSS') {
      let exponent = 0;
      const bytes = bufferSource(alg.publicExponent, 'publicExponent');
      for (let i = 0; i < bytes.length; i++) exponent = exponent * 256 + bytes[i];
      pair = generateKeyPairSync('rsa', { modulusLength: alg.modulusLength, publicExponent: exponent });
    } else if (alg.name === 'ECDSA') {
      if (CURVE_BYTES[alg.namedCurve] === undefined) throw domError('Unsupported namedCurve: actionbox supports P-256 and P-384', 'NotSupportedError');
      pair = generateKeyPairSync('ec', { namedCurve: alg.namedCurve });
    } else if (alg.name === 'Ed25519') {
      pair = generateKeyPairSync('ed25519');
    } else {
      throw domError(`Unable to generate a ${alg.name} key`, 'NotSupportedError');
    }
    const privateKey = importKeyNow('pkcs8', pair.privateKey.export({ format: 'der', type: 'pkcs8' }), alg, extractable, only(['sign']));
    const publicKey = importKeyNow('spki', pair.publicKey.export({ format: 'der', type: 'spki' }), alg, true, only(['verify']));
    return { publicKey, privateKey };
  }

  function deriveBitsNow(algorithm, baseKey, length) {
    const inner = checkUsage(baseKey, 'deriveBits');
    const alg = algorithmOf(algorithm);
    const keyBytes = keyData(inner.keyObject).bytes;
    if (length === null || length % 8 !== 0) throw domError('length must be a multiple of 8', 'OperationError');
    if (alg.name === 'PBKDF2') {
      return arrayBuffer(pbkdf2Sync(keyBytes, bufferSource(alg.salt, 'salt'), alg.iterations, length / 8, SUBTLE_HASHES[hashOf(alg.hash)]));
    }
    if (alg.name === 'HKDF') {
      return hkdfSync(SUBTLE_HASHES[hashOf(alg.hash)], keyBytes, bufferSource(alg.salt, 'salt'), bufferSource(alg.info, 'info'), length / 8);
    }
    throw domError(`${alg.name} cannot derive bits`, 'NotSupportedError');
  }

  const subtle = {
    digest: (algorithm, data) => settle(() => arrayBuffer(host.hash(SUBTLE_HASHES[hashOf(algorithm)], bufferSource(data, 'data')))),
    importKey: (format, keyData_, algorithm, extractable, usages) => settle(() => importKeyNow(format, keyData_, algorithm, extractable, usages)),
    exportKey: (format, key) => settle(() => exportKeyNow(format, key)),
    sign: (algorithm, key, data) => settle(() => subtleSign(algorithm, key, data)),
    verify: (algorithm, key, signature, data) => settle(() => subtleVerify(algorithm, key, signature, data)),
    generateKey: (algorithm, extractable, usages) => settle(() => generateKeyNow(algorithm, extractable, usages)),
    deriveBits: (algorithm, baseKey, length) => settle(() => deriveBitsNow(algorithm, baseKey, length)),
  };
  // (Indexed: a script may have replaced the array iterator by now.)
  const UNSUPPORTED = ['encrypt', 'decrypt', 'deriveKey', 'wrapKey', 'unwrapKey'];
  for (let k = 0; k < UNSUPPORTED.length; k++) {
    const name = UNSUPPORTED[k];
    subtle[name] = () => p.PromiseReject(domError(`subtle.${name} is not supported by actionbox's webcrypto`, 'NotSupportedError'));
  }

  const crypto = {
    createHash, createHmac, hash, randomBytes, randomInt, randomUUID: () => host.uuid(),
    getRandomValues, timingSafeEqual,
    createCipheriv: (algorithm, key, iv) => new Cipher('encrypt', algorithm, key, iv),
    createDecipheriv: (algorithm, key, iv) => new Cipher('decrypt', algorithm, key, iv),
    getHashes: () => p.ArrayPrototypeSlice(HASHES),
    getCiphers: () => p.ArrayPrototypeSlice(CIPHERS),
    constants,
    KeyObject, createPrivateKey, createPublicKey, createSecretKey,
    createSign: (algorithm) => new Sign(algorithm),
    createVerify: (algorithm) => new Verify(algorithm),
    Sign, Verify,
    sign: oneShotSign, verify: oneShotVerify,
    generateKeyPairSync, generateKeyPair, generateKeySync,
    generateKey: (type, options, callback) => later(callback, () => generateKeySync(type, options)),
    pbkdf2, pbkdf2Sync, scrypt, scryptSync, hkdf, hkdfSync,
    getCurves: () => ['prime256v1', 'secp384r1'],
  };
  crypto.webcrypto = { getRandomValues, randomUUID: crypto.randomUUID, subtle, CryptoKey };
  crypto.subtle = subtle;
  rt.isKeyObject = (value) => keyData(value) !== undefined;
  rt.isCryptoKey = (value) => cryptoKeyData(value) !== undefined;
  crypto.randomFillSync = (buffer) => getRandomValues(buffer);
  rt.crypto = crypto;
  rt.globals.crypto = crypto.webcrypto;
})
