// The querystring module, with Node's own rules (not URLSearchParams'):
// spaces encode as %20, arrays as repeated keys, parse gives a
// null-prototype object and accepts malformed percent escapes.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectKeys, ObjectCreate, ArrayIsArray, ArrayPrototypePush, ArrayPrototypeJoin, NumberIsFinite } = p;

  const unreserved = /[A-Za-z0-9\-_.!~*'()]/;
  function escape(str) {
    rt.load('node/buffer');
    const text = `${str}`;
    let out = '';
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (p.RegExpPrototypeTest(unreserved, ch)) {
        out += ch;
        continue;
      }
      let unit = ch;
      const code = p.StringPrototypeCharCodeAt(text, i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        unit = p.StringPrototypeSlice(text, i, i + 2);
        i++;
      } else if (code >= 0xd800 && code <= 0xdfff) {
        const err = new p.URIError('URI malformed');
        err.code = 'ERR_INVALID_URI';
        throw err;
      }
      const bytes = rt.utf8Encode(unit);
      for (let j = 0; j < bytes.length; j++) out += '%' + p.StringPrototypePadStart(p.StringPrototypeToUpperCase(p.NumberPrototypeToString(bytes[j], 16)), 2, '0');
    }
    return out;
  }

  // Node's querystring.unescape: '+' stays (parse turns it into a space).
  function unescape(str) {
    const text = `${str}`;
    try {
      return p.decodeURIComponent(text);
    } catch {
      // Node keeps what is not a valid escape.
      rt.load('node/buffer');
      const bytes = [];
      for (let i = 0; i < text.length; i++) {
        if (text[i] === '%' && p.RegExpPrototypeTest(/^[0-9a-fA-F]{2}$/, p.StringPrototypeSlice(text, i + 1, i + 3))) {
          ArrayPrototypePush(bytes, p.NumberParseInt(p.StringPrototypeSlice(text, i + 1, i + 3), 16));
          i += 2;
        } else {
          const encoded = rt.utf8Encode(text[i]);
          for (let j = 0; j < encoded.length; j++) ArrayPrototypePush(bytes, encoded[j]);
        }
      }
      return host.utf8Decode(new p.Uint8Array(bytes));
    }
  }

  function primitive(value) {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' && NumberIsFinite(value)) return `${value}`;
    if (typeof value === 'bigint') return `${value}`;
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    return '';
  }

  function stringify(obj, sep, eq, options = undefined) {
    sep = sep || '&';
    eq = eq || '=';
    const encode = options && typeof options.encodeURIComponent === 'function' ? options.encodeURIComponent : escape;
    if (obj === null || typeof obj !== 'object') return '';
    const keys = ObjectKeys(obj);
    const fields = [];
    for (let i = 0; i < keys.length; i++) {
      const value = obj[keys[i]];
      const key = encode(primitive(keys[i])) + eq;
      if (ArrayIsArray(value)) {
        for (let j = 0; j < value.length; j++) ArrayPrototypePush(fields, key + encode(primitive(value[j])));
      } else {
        ArrayPrototypePush(fields, key + encode(primitive(value)));
      }
    }
    return ArrayPrototypeJoin(fields, sep);
  }

  function parse(str, sep, eq, options = undefined) {
    sep = sep || '&';
    eq = eq || '=';
    const out = ObjectCreate(null);
    if (typeof str !== 'string' || str.length === 0) return out;
    const decode = options && typeof options.decodeURIComponent === 'function' ? options.decodeURIComponent : unescape;
    const maxKeys = options && typeof options.maxKeys === 'number' ? options.maxKeys : 1000;
    const pairs = p.StringPrototypeSplit(str, sep);
    const limit = maxKeys > 0 ? p.MathMin(pairs.length, maxKeys) : pairs.length;
    for (let i = 0; i < limit; i++) {
      const pair = pairs[i];
      if (pair === '') continue;
      const at = p.StringPrototypeIndexOf(pair, eq);
      const rawKey = at === -1 ? pair : p.StringPrototypeSlice(pair, 0, at);
      const rawValue = at === -1 ? '' : p.StringPrototypeSlice(pair, at + eq.length);
      const key = decode(p.StringPrototypeReplace(rawKey, /\+/g, ' '));
      const value = decode(p.StringPrototypeReplace(rawValue, /\+/g, ' '));
      const existing = out[key];
      if (existing === undefined) out[key] = value;
      else if (ArrayIsArray(existing)) ArrayPrototypePush(existing, value);
      else out[key] = [existing, value];
    }
    return out;
  }

  rt.querystring = { parse, stringify, escape, unescape, decode: parse, encode: stringify };
})
