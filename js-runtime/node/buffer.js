// Buffer, TextEncoder/TextDecoder, atob/btoa and string_decoder, with
// Node's semantics for the encodings scripts use (utf8, hex, base64,
// base64url, ascii, latin1, utf16le). base64, hex and UTF-8 decoding run in
// Rust (host.*); the rest is here.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const {
    Uint8Array, ArrayBuffer, TypeError, RangeError, ObjectSetPrototypeOf, ObjectDefineProperty,
    StringPrototypeCharCodeAt, StringPrototypeToLowerCase, StringFromCharCode, ArrayIsArray,
    MathMin, MathMax, MathFloor, TypedArrayPrototypeGetLength, SymbolFor,
  } = p;
  // Captured before any script ran (primordials.js): this file is loaded
  // after one may have replaced them.
  const Uint8ArrayPrototypeSubarray = p.TypedArrayPrototypeSubarray;
  const Uint8ArrayPrototypeSet = p.TypedArrayPrototypeSet;
  const Uint8ArrayPrototypeFill = p.TypedArrayPrototypeFill;
  const Uint8ArrayPrototypeIndexOf = p.TypedArrayPrototypeIndexOf;
  const byteOffsetOf = p.TypedArrayPrototypeGetByteOffset;
  const bufferOf = p.TypedArrayPrototypeGetBuffer;
  const isView = p.ArrayBufferIsView;

  const invalidArg = rt.invalidArgType;

  function normaliseEncoding(encoding) {
    if (encoding === undefined || encoding === null || encoding === '') return 'utf8';
    switch (StringPrototypeToLowerCase(`${encoding}`)) {
      case 'utf8': case 'utf-8': return 'utf8';
      case 'hex': return 'hex';
      case 'base64': return 'base64';
      case 'base64url': return 'base64url';
      case 'ascii': return 'ascii';
      case 'latin1': case 'binary': return 'latin1';
      case 'ucs2': case 'ucs-2': case 'utf16le': case 'utf-16le': return 'utf16le';
      default: return undefined;
    }
  }

  function encodingOrThrow(encoding) {
    const normalised = normaliseEncoding(encoding);
    if (normalised === undefined) {
      const err = new TypeError(`Unknown encoding: ${encoding}`);
      err.code = 'ERR_UNKNOWN_ENCODING';
      throw err;
    }
    return normalised;
  }

  // The first `length` bytes of `bytes`, in a Uint8Array of their own.
  // Bytes are written into typed arrays, never gathered in an Array: `new
  // Uint8Array(array)` iterates, and a script may have replaced
  // Array.prototype[Symbol.iterator] before this file loaded.
  function firstBytes(bytes, length) {
    if (length === TypedArrayPrototypeGetLength(bytes)) return bytes;
    const out = new Uint8Array(length);
    // A view made with the constructor, not `subarray`, which would look
    // up a species constructor the script may have set.
    Uint8ArrayPrototypeSet(out, new Uint8Array(bufferOf(bytes), 0, length));
    return out;
  }

  // UTF-8, with lone surrogates as U+FFFD (EF BF BD), as Node does.
  function utf8Encode(str) {
    // At most 3 bytes per UTF-16 unit (a surrogate pair, 2 units, is 4).
    const bytes = new Uint8Array(str.length * 3);
    let n = 0;
    for (let i = 0; i < str.length; i++) {
      let c = StringPrototypeCharCodeAt(str, i);
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < str.length ? StringPrototypeCharCodeAt(str, i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
        } else {
          c = 0xfffd;
        }
      }
      if (c < 0x80) bytes[n++] = c;
      else if (c < 0x800) { bytes[n++] = 0xc0 | (c >> 6); bytes[n++] = 0x80 | (c & 63); }
      else if (c < 0x10000) {
        bytes[n++] = 0xe0 | (c >> 12); bytes[n++] = 0x80 | ((c >> 6) & 63); bytes[n++] = 0x80 | (c & 63);
      } else {
        bytes[n++] = 0xf0 | (c >> 18); bytes[n++] = 0x80 | ((c >> 12) & 63);
        bytes[n++] = 0x80 | ((c >> 6) & 63); bytes[n++] = 0x80 | (c & 63);
      }
    }
    return firstBytes(bytes, n);
  }

  function hexDecode(str) {
    const out = new Uint8Array(str.length >>> 1);
    let n = 0;
    for (let i = 0; i + 1 < str.length; i += 2) {
      const pair = p.StringPrototypeSlice(str, i, i + 2);
      if (!p.RegExpPrototypeTest(/^[0-9a-fA-F]{2}$/, pair)) break;
      out[n++] = p.NumberParseInt(pair, 16);
    }
    return firstBytes(out, n);
  }

  function encode(string, encoding) {
    switch (encoding) {
      case 'utf8': return utf8Encode(string);
      case 'hex': return hexDecode(string);
      case 'base64': case 'base64url': return host.base64Decode(string);
      case 'ascii': case 'latin1': {
        const out = new Uint8Array(string.length);
        for (let i = 0; i < string.length; i++) out[i] = StringPrototypeCharCodeAt(string, i) & 255;
        return out;
      }
      case 'utf16le': {
        const out = new Uint8Array(string.length * 2);
        for (let i = 0; i < string.length; i++) {
          const c = StringPrototypeCharCodeAt(string, i);
          out[i * 2] = c & 255;
          out[i * 2 + 1] = c >> 8;
        }
        return out;
      }
      default: return utf8Encode(string);
    }
  }

  function decode(bytes, encoding) {
    switch (encoding) {
      case 'utf8': return host.utf8Decode(bytes);
      case 'hex': return host.hexEncode(bytes);
      case 'base64': return host.base64Encode(bytes, false);
      case 'base64url': return host.base64Encode(bytes, true);
      case 'ascii': case 'latin1': {
        let out = '';
        const mask = encoding === 'ascii' ? 127 : 255;
        for (let i = 0; i < bytes.length; i += 4096) {
          const chunk = [];
          const end = MathMin(i + 4096, bytes.length);
          for (let j = i; j < end; j++) chunk[chunk.length] = bytes[j] & mask;
          out += p.ReflectApply(StringFromCharCode, null, chunk);
        }
        return out;
      }
      case 'utf16le': {
        let out = '';
        for (let i = 0; i + 1 < bytes.length; i += 2) out += StringFromCharCode(bytes[i] | (bytes[i + 1] << 8));
        return out;
      }
      default: return host.utf8Decode(bytes);
    }
  }

  // Node's FastBuffer: a Uint8Array whose prototype is Buffer.prototype.
  class FastBuffer extends Uint8Array {}

  function Buffer(arg, encodingOrOffset, length) {
    if (typeof arg === 'number') {
      if (typeof encodingOrOffset === 'string') throw invalidArg('string', 'of type string', arg);
      return Buffer.alloc(arg);
    }
    return Buffer.from(arg, encodingOrOffset, length);
  }
  Buffer.prototype = FastBuffer.prototype;
  ObjectDefineProperty(FastBuffer.prototype, 'constructor', { value: Buffer, writable: true, configurable: true });
  ObjectSetPrototypeOf(Buffer, Uint8Array);

  function wrap(u8) {
    return new FastBuffer(bufferOf(u8), byteOffsetOf(u8), TypedArrayPrototypeGetLength(u8));
  }

  function checkSize(size) {
    if (typeof size !== 'number') throw invalidArg('size', 'of type number', size);
    if (!(size >= 0 && size <= 2 ** 31 - 1)) {
      const err = new RangeError(`The value of "size" is out of range. It must be >= 0 && <= ${2 ** 31 - 1}. Received ${size}`);
      err.code = 'ERR_OUT_OF_RANGE';
      throw err;
    }
  }

  Buffer.alloc = function alloc(size, fill, encoding) {
    checkSize(size);
    const buf = new FastBuffer(size);
    if (fill !== undefined && fill !== 0 && size > 0) buf.fill(fill, 0, size, encoding);
    return buf;
  };
  Buffer.allocUnsafe = function allocUnsafe(size) {
    checkSize(size);
    return new FastBuffer(size);
  };
  Buffer.allocUnsafeSlow = Buffer.allocUnsafe;

  Buffer.from = function from(value, encodingOrOffset, length) {
    if (typeof value === 'string') return wrap(encode(value, encodingOrOffset === undefined ? 'utf8' : encodingOrOffset === null ? 'utf8' : encodingOrOffset && encodingOrThrow(encodingOrOffset)));
    if (value instanceof ArrayBuffer) {
      const offset = encodingOrOffset === undefined ? 0 : +encodingOrOffset;
      const len = length === undefined ? p.ArrayBufferPrototypeGetByteLength(value) - offset : +length;
      return new FastBuffer(value, offset, len);
    }
    if (value !== null && typeof value === 'object') {
      if (ArrayIsArray(value) || p.ObjectGetPrototypeOf(value) !== null && isView(value)) {
        const out = new FastBuffer(value.length);
        for (let i = 0; i < value.length; i++) out[i] = value[i];
        return out;
      }
      if (value.type === 'Buffer' && ArrayIsArray(value.data)) return Buffer.from(value.data);
      const primitive = typeof value.valueOf === 'function' ? value.valueOf() : value;
      if (primitive !== value && primitive !== null && primitive !== undefined) return Buffer.from(primitive, encodingOrOffset, length);
      if (typeof value.length === 'number') {
        const out = new FastBuffer(value.length);
        for (let i = 0; i < value.length; i++) out[i] = value[i];
        return out;
      }
    }
    throw invalidArg('first', 'of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object', value);
  };

  Buffer.isBuffer = function isBuffer(value) {
    return value instanceof FastBuffer;
  };
  Buffer.isEncoding = function isEncoding(encoding) {
    return typeof encoding === 'string' && encoding !== '' && normaliseEncoding(encoding) !== undefined;
  };
  Buffer.byteLength = function byteLength(value, encoding) {
    if (typeof value !== 'string') {
      if (isView(value)) return value.byteLength;
      if (value instanceof ArrayBuffer) return p.ArrayBufferPrototypeGetByteLength(value);
      throw invalidArg('string', 'of type string or an instance of Buffer or ArrayBuffer', value);
    }
    return encode(value, encodingOrThrow(encoding === undefined ? 'utf8' : encoding)).length;
  };
  Buffer.concat = function concat(list, totalLength) {
    if (!ArrayIsArray(list)) throw invalidArg('list', 'an instance of Array', list);
    if (totalLength === undefined) {
      totalLength = 0;
      for (let i = 0; i < list.length; i++) totalLength += list[i].length;
    }
    const out = Buffer.alloc(totalLength);
    let at = 0;
    for (let i = 0; i < list.length && at < totalLength; i++) {
      const item = list[i];
      if (!(item instanceof Uint8Array)) throw invalidArg(`list[${i}]`, 'an instance of Buffer or Uint8Array', item);
      const part = item.length > totalLength - at ? Uint8ArrayPrototypeSubarray(item, 0, totalLength - at) : item;
      Uint8ArrayPrototypeSet(out, part, at);
      at += part.length;
    }
    return out;
  };
  Buffer.compare = function compare(a, b) {
    const len = MathMin(a.length, b.length);
    for (let i = 0; i < len; i++) {
      if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  };
  Buffer.poolSize = 8192;

  const proto = FastBuffer.prototype;
  function define(name, fn) {
    ObjectDefineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }

  define('toString', function toString(encoding, start, end) {
    if (arguments.length === 0) return host.utf8Decode(this);
    const enc = encodingOrThrow(encoding);
    start = start === undefined || start < 0 ? 0 : MathMin(start | 0, this.length);
    end = end === undefined || end > this.length ? this.length : MathMax(end | 0, start);
    const view = start === 0 && end === this.length ? this : Uint8ArrayPrototypeSubarray(this, start, end);
    return decode(view, enc);
  });
  define('toLocaleString', proto.toString);
  define('toJSON', function toJSON() {
    const data = [];
    for (let i = 0; i < this.length; i++) data[i] = this[i];
    return { type: 'Buffer', data };
  });
  define('equals', function equals(other) {
    if (!(other instanceof Uint8Array)) throw invalidArg('otherBuffer', 'an instance of Buffer or Uint8Array', other);
    return Buffer.compare(this, other) === 0;
  });
  define('compare', function compare(target, targetStart = 0, targetEnd = target.length, sourceStart = 0, sourceEnd = this.length) {
    return Buffer.compare(Uint8ArrayPrototypeSubarray(this, sourceStart, sourceEnd), Uint8ArrayPrototypeSubarray(target, targetStart, targetEnd));
  });
  define('copy', function copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
    const part = Uint8ArrayPrototypeSubarray(this, sourceStart, MathMin(sourceEnd, sourceStart + target.length - targetStart));
    Uint8ArrayPrototypeSet(target, part, targetStart);
    return part.length;
  });
  define('slice', function slice(start, end) {
    return wrap(Uint8ArrayPrototypeSubarray(this, start, end));
  });
  define('subarray', function subarray(start, end) {
    return wrap(Uint8ArrayPrototypeSubarray(this, start, end));
  });
  define('write', function write(string, offset, length, encoding) {
    if (typeof offset === 'string') { encoding = offset; offset = 0; length = undefined; }
    else if (typeof length === 'string') { encoding = length; length = undefined; }
    offset = offset === undefined ? 0 : offset >>> 0;
    const bytes = encode(`${string}`, encodingOrThrow(encoding === undefined ? 'utf8' : encoding));
    const count = MathMin(bytes.length, this.length - offset, length === undefined ? Infinity : length);
    Uint8ArrayPrototypeSet(this, Uint8ArrayPrototypeSubarray(bytes, 0, count), offset);
    return count;
  });
  define('fill', function fill(value, offset = 0, end = this.length, encoding = undefined) {
    if (typeof offset === 'string') { encoding = offset; offset = 0; end = this.length; }
    if (typeof end === 'string') { encoding = end; end = this.length; }
    if (typeof value === 'number') return Uint8ArrayPrototypeFill(this, value & 255, offset, end);
    const bytes = typeof value === 'string' ? encode(value, encodingOrThrow(encoding === undefined ? 'utf8' : encoding)) : value;
    if (bytes.length === 0) return Uint8ArrayPrototypeFill(this, 0, offset, end);
    for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
    return this;
  });
  define('indexOf', function indexOf(value, byteOffset = 0, encoding = undefined) {
    if (typeof value === 'number') return Uint8ArrayPrototypeIndexOf(this, value & 255, byteOffset);
    const needle = typeof value === 'string' ? encode(value, encodingOrThrow(encoding === undefined ? 'utf8' : encoding)) : value;
    if (byteOffset < 0) byteOffset = MathMax(0, this.length + byteOffset);
    outer: for (let i = byteOffset; i <= this.length - needle.length; i++) {
      for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  });
  define('lastIndexOf', function lastIndexOf(value, byteOffset = this.length, encoding = undefined) {
    const needle = typeof value === 'number' ? [value & 255]
      : typeof value === 'string' ? encode(value, encodingOrThrow(encoding === undefined ? 'utf8' : encoding)) : value;
    if (byteOffset < 0) byteOffset = this.length + byteOffset;
    outer: for (let i = MathMin(byteOffset, this.length - needle.length); i >= 0; i--) {
      for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
      return i;
    }
    return -1;
  });
  define('includes', function includes(value, byteOffset, encoding) {
    return this.indexOf(value, byteOffset, encoding) !== -1;
  });
  // swap16/32/64: reverse the byte order of each group in place.
  // (Loops over the runtime's own arrays index them: a script may have
  // replaced the array iterator before this file loaded.)
  const SWAP_SIZES = [2, 4, 8];
  for (let k = 0; k < SWAP_SIZES.length; k++) {
    const size = SWAP_SIZES[k];
    define(`swap${size * 8}`, function () {
      if (this.length % size !== 0) {
        const err = new RangeError(`Buffer size must be a multiple of ${size * 8}-bits`);
        err.code = 'ERR_INVALID_BUFFER_SIZE';
        throw err;
      }
      for (let i = 0; i < this.length; i += size) {
        for (let j = 0; j < size / 2; j++) {
          const t = this[i + j];
          this[i + j] = this[i + size - 1 - j];
          this[i + size - 1 - j] = t;
        }
      }
      return this;
    });
  }
  const INTEGER_LAYOUTS = [
    ['UInt8', 1, false, false], ['Int8', 1, false, true],
    ['UInt16LE', 2, true, false], ['UInt16BE', 2, false, false], ['Int16LE', 2, true, true], ['Int16BE', 2, false, true],
    ['UInt32LE', 4, true, false], ['UInt32BE', 4, false, false], ['Int32LE', 4, true, true], ['Int32BE', 4, false, true],
  ];
  for (let k = 0; k < INTEGER_LAYOUTS.length; k++) {
    const layout = INTEGER_LAYOUTS[k];
    const name = layout[0], size = layout[1], little = layout[2], signed = layout[3];
    const read = function (offset = 0) {
      if (offset + size > this.length) {
        const err = new RangeError(`The value of "offset" is out of range. It must be >= 0 and <= ${this.length - size}. Received ${offset}`);
        err.code = 'ERR_OUT_OF_RANGE';
        throw err;
      }
      let value = 0;
      for (let i = 0; i < size; i++) value += this[offset + (little ? i : size - 1 - i)] * 2 ** (8 * i);
      if (signed && value >= 2 ** (8 * size - 1)) value -= 2 ** (8 * size);
      return value;
    };
    const write = function (value, offset = 0) {
      let v = +value;
      if (v < 0) v += 2 ** (8 * size);
      for (let i = 0; i < size; i++) this[offset + (little ? i : size - 1 - i)] = MathFloor(v / 2 ** (8 * i)) & 255;
      return offset + size;
    };
    define(`read${name}`, read);
    define(`write${name}`, write);
    if (name[0] === 'U') {
      define(`readUint${p.StringPrototypeSlice(name, 4)}`, read);
      define(`writeUint${p.StringPrototypeSlice(name, 4)}`, write);
    }
  }
  define(SymbolFor('nodejs.util.inspect.custom'), function inspect() {
    const max = 50;
    let str = '';
    for (let i = 0; i < MathMin(max, this.length); i++) {
      str += (i === 0 ? '' : ' ') + p.StringPrototypePadStart(p.NumberPrototypeToString(this[i], 16), 2, '0');
    }
    const remaining = this.length - max;
    if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
    return `<Buffer${str === '' ? '' : ' ' + str}>`;
  });

  // TextEncoder / TextDecoder (UTF-8).
  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') { return utf8Encode(`${input}`); }
    encodeInto(source, destination) {
      const bytes = utf8Encode(`${source}`);
      const written = MathMin(bytes.length, destination.length);
      Uint8ArrayPrototypeSet(destination, Uint8ArrayPrototypeSubarray(bytes, 0, written), 0);
      return { read: source.length, written };
    }
  }
  // WHATWG encoding labels actionbox decodes, by the name `encoding` reports.
  const DECODER_LABELS = {
    'utf-8': 'utf-8', utf8: 'utf-8', 'unicode-1-1-utf-8': 'utf-8',
    'utf-16le': 'utf-16le', 'utf-16': 'utf-16le',
    latin1: 'iso-8859-1', 'iso-8859-1': 'iso-8859-1', 'iso8859-1': 'iso-8859-1', 'us-ascii': 'iso-8859-1', ascii: 'iso-8859-1',
  };
  class TextDecoder {
    constructor(label = 'utf-8', options = {}) {
      const name = DECODER_LABELS[p.StringPrototypeTrim(StringPrototypeToLowerCase(`${label}`))];
      if (name === undefined) {
        const err = new RangeError(`The "${label}" encoding is not supported`);
        err.code = 'ERR_ENCODING_NOT_SUPPORTED';
        throw err;
      }
      this._name = name;
      this.fatal = !!(options && options.fatal);
      this.ignoreBOM = !!(options && options.ignoreBOM);
    }
    get encoding() { return this._name; }
    decode(input = new Uint8Array(0)) {
      let bytes = input instanceof ArrayBuffer ? new Uint8Array(input)
        : isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength) : null;
      if (bytes === null) throw invalidArg('input', 'an instance of ArrayBuffer or ArrayBufferView', input);
      if (this._name === 'utf-16le') {
        if (!this.ignoreBOM && bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) bytes = Uint8ArrayPrototypeSubarray(bytes, 2);
        return decode(bytes, 'utf16le');
      }
      if (this._name === 'iso-8859-1') return decode(bytes, 'latin1');
      if (!this.ignoreBOM && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
        bytes = Uint8ArrayPrototypeSubarray(bytes, 3);
      }
      const text = host.utf8Decode(bytes);
      // Valid UTF-8 is exactly what re-encoding the text gives back.
      if (this.fatal && p.StringPrototypeIncludes(text, '\ufffd')) {
        const again = utf8Encode(text);
        let same = again.length === bytes.length;
        for (let i = 0; same && i < again.length; i++) same = again[i] === bytes[i];
        if (!same) {
          const err = new TypeError('The encoded data was not valid for encoding utf-8');
          err.code = 'ERR_ENCODING_INVALID_ENCODED_DATA';
          throw err;
        }
      }
      return text;
    }
  }

  function invalidCharacter(message) {
    rt.load('node/web');
    return new rt.DOMException(message, 'InvalidCharacterError');
  }
  function btoa(input) {
    if (arguments.length === 0) throw invalidArg('input', 'specified', undefined);
    const str = `${input}`;
    for (let i = 0; i < str.length; i++) {
      if (StringPrototypeCharCodeAt(str, i) > 255) throw invalidCharacter('Invalid character');
    }
    return host.base64Encode(encode(str, 'latin1'), false);
  }
  function atob(input) {
    if (arguments.length === 0) throw invalidArg('input', 'specified', undefined);
    const str = p.StringPrototypeReplace(`${input}`, /[\t\n\f\r ]/g, '');
    if (p.RegExpPrototypeTest(/[^A-Za-z0-9+/=]/, str) || str.length % 4 === 1) throw invalidCharacter('The string to be decoded is not correctly encoded.');
    return decode(host.base64Decode(str), 'latin1');
  }

  // string_decoder: UTF-8 and the single-byte encodings, keeping partial
  // characters between writes.
  class StringDecoder {
    constructor(encoding) {
      this.encoding = encodingOrThrow(encoding);
      this.pending = new Uint8Array(0);
    }
    write(buf) {
      if (typeof buf === 'string') return buf;
      if (this.encoding !== 'utf8') return decode(buf, this.encoding);
      const all = Buffer.concat([this.pending, buf]);
      let end = all.length;
      // Keep an incomplete trailing sequence for the next write.
      for (let back = 1; back <= MathMin(3, all.length); back++) {
        const byte = all[all.length - back];
        if ((byte & 0xc0) === 0x80) continue;
        const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
        if (need > back) end = all.length - back;
        break;
      }
      this.pending = Buffer.from(Uint8ArrayPrototypeSubarray(all, end));
      return host.utf8Decode(Uint8ArrayPrototypeSubarray(all, 0, end));
    }
    end(buf) {
      const text = buf === undefined ? '' : this.write(buf);
      const rest = this.pending.length > 0 ? host.utf8Decode(this.pending) : '';
      this.pending = new Uint8Array(0);
      return text + rest;
    }
  }

  rt.Buffer = Buffer;
  rt.bytesOf = (value, encoding) => (typeof value === 'string' ? encode(value, encodingOrThrow(encoding === undefined ? 'utf8' : encoding)) : value);
  rt.encodeBytes = encode;
  rt.decodeBytes = decode;
  rt.normaliseEncoding = encodingOrThrow;
  rt.utf8Encode = utf8Encode;
  rt.wrapBuffer = wrap;
  rt.bufferModule = {
    Buffer, SlowBuffer: Buffer, kMaxLength: 2 ** 32, kStringMaxLength: 2 ** 29 - 24,
    constants: { MAX_LENGTH: 2 ** 32, MAX_STRING_LENGTH: 2 ** 29 - 24 },
    atob, btoa, INSPECT_MAX_BYTES: 50,
  };
  // buffer.Blob and buffer.File are the globals (node/blob.js), loaded on use.
  const BLOB_NAMES = ['Blob', 'File'];
  for (let k = 0; k < BLOB_NAMES.length; k++) {
    const name = BLOB_NAMES[k];
    p.ObjectDefineProperty(rt.bufferModule, name, {
      enumerable: true,
      configurable: true,
      get() {
        rt.load('node/blob');
        return rt[name];
      },
    });
  }
  rt.stringDecoderModule = { StringDecoder };
  rt.globals.Buffer = Buffer;
  rt.globals.TextEncoder = TextEncoder;
  rt.globals.TextDecoder = TextDecoder;
  rt.globals.atob = atob;
  rt.globals.btoa = btoa;
})
