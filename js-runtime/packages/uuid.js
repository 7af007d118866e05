// The uuid package: v1, v3, v4, v5, v6, v7, validate, version, parse,
// stringify, NIL and MAX (v9+ API), and the uuid 3.x shape Rules still
// require (`require('uuid')()` is a v4, with .v1/.v4 on it). Random bytes
// come from the host's CSPRNG; v3/v5 hash with the host's MD5/SHA-1.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  rt.load('node/buffer');
  const { TypeError, Uint8Array, MathFloor } = p;

  const HEX = [];
  for (let i = 0; i < 256; i++) HEX[i] = p.StringPrototypeSlice(p.NumberPrototypeToString(i + 0x100, 16), 1);
  function stringify(bytes, offset = 0) {
    const b = (i) => HEX[bytes[offset + i]];
    const text = `${b(0)}${b(1)}${b(2)}${b(3)}-${b(4)}${b(5)}-${b(6)}${b(7)}-${b(8)}${b(9)}-${b(10)}${b(11)}${b(12)}${b(13)}${b(14)}${b(15)}`;
    if (!validate(text)) throw new TypeError('Stringified UUID is invalid');
    return text;
  }
  const PATTERN = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/i;
  function validate(text) {
    return typeof text === 'string' && p.RegExpPrototypeTest(PATTERN, text);
  }
  function version(text) {
    if (!validate(text)) throw new TypeError('Invalid UUID');
    return p.NumberParseInt(p.StringPrototypeSlice(text, 14, 15), 16);
  }
  function parse(text) {
    if (!validate(text)) throw new TypeError('Invalid UUID');
    const hex = p.StringPrototypeReplace(text, /-/g, '');
    const out = new Uint8Array(16);
    for (let i = 0; i < 16; i++) out[i] = p.NumberParseInt(p.StringPrototypeSlice(hex, i * 2, i * 2 + 2), 16);
    return out;
  }

  function output(bytes, buf, offset) {
    if (buf) {
      offset = offset || 0;
      for (let i = 0; i < 16; i++) buf[offset + i] = bytes[i];
      return buf;
    }
    return stringify(bytes);
  }
  function randomBytes(options) {
    if (options && options.random) return options.random;
    if (options && typeof options.rng === 'function') return options.rng();
    return host.randomBytes(16);
  }

  function v4(options, buf, offset) {
    const rnds = randomBytes(options);
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 16; i++) bytes[i] = rnds[i];
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    return output(bytes, buf, offset);
  }

  // v1/v6 state, as the package keeps it per process.
  let nodeId = null;
  let clockseq = null;
  let lastMSecs = 0;
  let lastNSecs = 0;
  function v1Fields(options) {
    options = options || {};
    if (nodeId === null) {
      const seed = host.randomBytes(8);
      nodeId = [seed[0] | 0x01, seed[1], seed[2], seed[3], seed[4], seed[5]];
      clockseq = ((seed[6] << 8) | seed[7]) & 0x3fff;
    }
    const node = options.node || nodeId;
    let seq = options.clockseq !== undefined ? options.clockseq : clockseq;
    let msecs = options.msecs !== undefined ? options.msecs : p.DateNow();
    let nsecs = options.nsecs !== undefined ? options.nsecs : lastNSecs + 1;
    const dt = msecs - lastMSecs + (nsecs - lastNSecs) / 10000;
    if (dt < 0 && options.clockseq === undefined) seq = (seq + 1) & 0x3fff;
    if ((dt < 0 || msecs > lastMSecs) && options.nsecs === undefined) nsecs = 0;
    if (nsecs >= 10000) throw new p.Error("uuid.v1(): Can't create more than 10M uuids/sec");
    lastMSecs = msecs;
    lastNSecs = nsecs;
    clockseq = seq;
    msecs += 12219292800000;
    return { msecs, nsecs, seq, node };
  }
  function v1(options, buf, offset) {
    const { msecs, nsecs, seq, node } = v1Fields(options);
    const b = new Uint8Array(16);
    const tl = ((msecs & 0xfffffff) * 10000 + nsecs) % 0x100000000;
    b[0] = (tl >>> 24) & 0xff; b[1] = (tl >>> 16) & 0xff; b[2] = (tl >>> 8) & 0xff; b[3] = tl & 0xff;
    const tmh = ((msecs / 0x100000000) * 10000) & 0xfffffff;
    b[4] = (tmh >>> 8) & 0xff; b[5] = tmh & 0xff;
    b[6] = ((tmh >>> 24) & 0xf) | 0x10; b[7] = (tmh >>> 16) & 0xff;
    b[8] = (seq >>> 8) | 0x80; b[9] = seq & 0xff;
    for (let n = 0; n < 6; n++) b[10 + n] = node[n];
    return output(b, buf, offset);
  }
  function v6(options, buf, offset) {
    const bytes = parse(v1(options));
    // Reorder the timestamp fields so the UUID sorts by time.
    const hex = p.StringPrototypeReplace(stringify(bytes), /-/g, '');
    const reordered = `${p.StringPrototypeSlice(hex, 13, 16)}${p.StringPrototypeSlice(hex, 8, 12)}${p.StringPrototypeSlice(hex, 0, 1)}-${p.StringPrototypeSlice(hex, 1, 5)}-6${p.StringPrototypeSlice(hex, 5, 8)}-${p.StringPrototypeSlice(hex, 16, 20)}-${p.StringPrototypeSlice(hex, 20)}`;
    const text = `${p.StringPrototypeSlice(reordered, 0, 8)}-${p.StringPrototypeSlice(reordered, 8, 12)}-${p.StringPrototypeSlice(reordered, 13)}`;
    return output(parse(text), buf, offset);
  }
  let v7Last = -1;
  let v7Seq = 0;
  function v7(options, buf, offset) {
    options = options || {};
    const rnds = randomBytes(options);
    const msecs = options.msecs !== undefined ? options.msecs : p.DateNow();
    if (msecs > v7Last) {
      v7Seq = ((rnds[6] & 0x7f) << 24) | (rnds[7] << 16) | (rnds[8] << 8) | rnds[9];
      v7Last = msecs;
    } else {
      v7Seq = (v7Seq + 1) | 0;
    }
    const b = new Uint8Array(16);
    const high = MathFloor(msecs / 0x100000000);
    b[0] = (high >>> 8) & 0xff; b[1] = high & 0xff;
    b[2] = (msecs >>> 24) & 0xff; b[3] = (msecs >>> 16) & 0xff; b[4] = (msecs >>> 8) & 0xff; b[5] = msecs & 0xff;
    b[6] = 0x70 | ((v7Seq >>> 28) & 0x0f); b[7] = (v7Seq >>> 20) & 0xff;
    b[8] = 0x80 | ((v7Seq >>> 14) & 0x3f); b[9] = (v7Seq >>> 6) & 0xff;
    b[10] = ((v7Seq << 2) & 0xff) | (rnds[10] & 0x03);
    for (let i = 11; i < 16; i++) b[i] = rnds[i];
    return output(b, buf, offset);
  }

  function hashed(versionBits, algorithm) {
    const generate = function (name, namespace, buf, offset) {
      const nameBytes = typeof name === 'string' ? rt.utf8Encode(name) : name;
      const ns = typeof namespace === 'string' ? parse(namespace) : namespace;
      if (ns === undefined || ns === null || ns.length !== 16) throw new TypeError('Namespace must be array-like (16 iterable integer values, 0-255)');
      const input = new Uint8Array(16 + nameBytes.length);
      for (let i = 0; i < 16; i++) input[i] = ns[i];
      for (let i = 0; i < nameBytes.length; i++) input[16 + i] = nameBytes[i];
      const digest = host.hash(algorithm, input);
      const bytes = new Uint8Array(16);
      for (let i = 0; i < 16; i++) bytes[i] = digest[i];
      bytes[6] = (bytes[6] & 0x0f) | versionBits;
      bytes[8] = (bytes[8] & 0x3f) | 0x80;
      return output(bytes, buf, offset);
    };
    generate.DNS = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
    generate.URL = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';
    return generate;
  }
  const v3 = hashed(0x30, 'md5');
  const v5 = hashed(0x50, 'sha1');

  const modern = {
    v1, v3, v4, v5, v6, v7, validate, version, parse, stringify,
    NIL: '00000000-0000-0000-0000-000000000000',
    MAX: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
  };
  // uuid 3.x: the module is v4 itself.
  function legacy() {
    const uuid = function (options, buf, offset) { return v4(options, buf, offset); };
    uuid.v1 = v1;
    uuid.v4 = v4;
    return uuid;
  }
  rt.uuid = (requested) => {
    const major = requested === undefined ? NaN : p.NumberParseInt(requested, 10);
    return major > 0 && major < 7 ? legacy() : modern;
  };
  rt.uuidV1 = v1;
  rt.uuidV4 = v4;
})
