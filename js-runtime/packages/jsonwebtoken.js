// The jsonwebtoken package (v9 semantics): sign, verify, decode and its
// error classes. Header and payload are built and serialised here exactly
// as the package does; signing and signature checks are the Rust
// jsonwebtoken crate's (host.jwsSign / host.jwsVerify).
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectKeys, ArrayIsArray, ArrayPrototypeIncludes, ArrayPrototypeJoin, ArrayPrototypeSome, JSONStringify, JSONParse, MathFloor, TypeError } = p;
  rt.load('node/buffer');

  class JsonWebTokenError extends p.Error {
    constructor(message, error) {
      super(message);
      if (error) this.inner = error;
    }
    get name() { return 'JsonWebTokenError'; }
  }
  class TokenExpiredError extends JsonWebTokenError {
    constructor(message, expiredAt) {
      super(message);
      this.expiredAt = expiredAt;
    }
    get name() { return 'TokenExpiredError'; }
  }
  class NotBeforeError extends JsonWebTokenError {
    constructor(message, date) {
      super(message);
      this.date = date;
    }
    get name() { return 'NotBeforeError'; }
  }

  // The ms package's grammar: '90', '2 days', '10h', '7d', '1.5y'.
  const MS = /^(-?(?:\d+)?\.?\d+) *(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)?$/i;
  const UNIT = { y: 31557600000, w: 604800000, d: 86400000, h: 3600000, m: 60000, s: 1000, ms: 1 };
  function ms(text) {
    if (text.length > 100) return undefined;
    const match = p.RegExpPrototypeExec(MS, text);
    if (!match) return undefined;
    const n = p.NumberParseFloat(match[1]);
    const unit = p.StringPrototypeToLowerCase(match[2] || 'ms');
    let factor;
    if (p.StringPrototypeStartsWith(unit, 'y')) factor = UNIT.y;
    else if (p.StringPrototypeStartsWith(unit, 'w')) factor = UNIT.w;
    else if (p.StringPrototypeStartsWith(unit, 'd')) factor = UNIT.d;
    else if (p.StringPrototypeStartsWith(unit, 'h')) factor = UNIT.h;
    else if (unit === 'ms' || p.StringPrototypeStartsWith(unit, 'msec') || p.StringPrototypeStartsWith(unit, 'milli')) factor = UNIT.ms;
    else if (p.StringPrototypeStartsWith(unit, 'm')) factor = UNIT.m;
    else factor = UNIT.s;
    return n * factor;
  }
  function timespan(time, iat) {
    if (typeof time === 'string') {
      const milliseconds = ms(time);
      if (milliseconds === undefined) return undefined;
      return MathFloor(iat + milliseconds / 1000);
    }
    if (typeof time === 'number') return iat + time;
    return undefined;
  }

  const b64url = (text) => host.base64Encode(rt.utf8Encode(text), true);
  const fromB64url = (text) => host.utf8Decode(host.base64Decode(text));

  function keyBytes(key) {
    if (typeof key === 'string') return rt.utf8Encode(key);
    if (key instanceof p.Uint8Array) return key;
    if (key !== null && typeof key === 'object' && typeof key.export === 'function') return rt.utf8Encode(`${key.export({ type: 'pkcs8', format: 'pem' })}`);
    if (key !== null && typeof key === 'object' && key.key !== undefined) {
      if (key.passphrase !== undefined) throw new p.Error("encrypted private keys (passphrase) are not supported by actionbox's emulation of jsonwebtoken");
      return keyBytes(key.key);
    }
    throw new TypeError('secretOrPrivateKey must be a string, Buffer or KeyObject');
  }

  const SIGN_OPTIONS = { expiresIn: 1, notBefore: 1, audience: 1, algorithm: 1, header: 1, encoding: 1, issuer: 1, subject: 1, jwtid: 1, noTimestamp: 1, keyid: 1, mutatePayload: 1, allowInsecureKeySizes: 1, allowInvalidAsymmetricKeyTypes: 1 };
  const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'HS256', 'HS384', 'HS512', 'none'];

  function signSync(payload, secretOrPrivateKey, options) {
    options = options || {};
    const isObjectPayload = typeof payload === 'object' && payload !== null && !(payload instanceof p.Uint8Array);
    const keys = ObjectKeys(options);
    for (let i = 0; i < keys.length; i++) {
      if (SIGN_OPTIONS[keys[i]] !== 1) throw new p.Error(`"${keys[i]}" is not allowed in "options"`);
    }
    const algorithm = options.algorithm || 'HS256';
    if (!ArrayPrototypeIncludes(ALGORITHMS, algorithm)) throw new p.Error('"algorithm" must be a valid string enum value');
    if (!secretOrPrivateKey && algorithm !== 'none') throw new p.Error('secretOrPrivateKey must have a value');
    if (algorithm === 'none') throw new p.Error("unsigned tokens (algorithm 'none') are not supported by actionbox's emulation of jsonwebtoken");
    if (p.StringPrototypeStartsWith(algorithm, 'ES512')) throw new p.Error("ES512 is not supported by actionbox's emulation of jsonwebtoken");
    if (payload === undefined) throw new p.Error('payload is required');
    if (!isObjectPayload) {
      if (options.expiresIn !== undefined || options.notBefore !== undefined) {
        throw new p.Error(`invalid ${options.expiresIn !== undefined ? 'expiresIn' : 'notBefore'} option for ${typeof payload === 'string' ? 'string' : 'Buffer'} payload`);
      }
    } else {
      if (options.expiresIn !== undefined && payload.exp !== undefined) throw new p.Error('Bad "options.expiresIn" option the payload already has an "exp" property.');
      if (options.notBefore !== undefined && payload.nbf !== undefined) throw new p.Error('Bad "options.notBefore" option the payload already has an "nbf" property.');
    }
    const header = { alg: algorithm, typ: isObjectPayload ? 'JWT' : undefined, kid: options.keyid, ...(options.header || {}) };
    let claims = payload;
    if (isObjectPayload) {
      claims = options.mutatePayload ? payload : { ...payload };
      const timestamp = claims.iat !== undefined ? claims.iat : MathFloor(p.DateNow() / 1000);
      if (options.noTimestamp) delete claims.iat;
      else claims.iat = timestamp;
      if (options.notBefore !== undefined) {
        claims.nbf = timespan(options.notBefore, timestamp);
        if (claims.nbf === undefined) throw new p.Error('"notBefore" should be a number of seconds or string representing a timespan eg: "1d", "20h", 60');
      }
      if (options.expiresIn !== undefined) {
        claims.exp = timespan(options.expiresIn, timestamp);
        if (claims.exp === undefined) throw new p.Error('"expiresIn" should be a number of seconds or string representing a timespan eg: "1d", "20h", 60');
      }
      const mapping = [['audience', 'aud'], ['issuer', 'iss'], ['subject', 'sub'], ['jwtid', 'jti']];
      for (let i = 0; i < mapping.length; i++) {
        // (Indexed: a script may have replaced the array iterator.)
        const option = mapping[i][0], claim = mapping[i][1];
        if (options[option] !== undefined) {
          if (claims[claim] !== undefined) throw new p.Error(`Bad "options.${option}" option. The payload already has an "${claim}" property.`);
          claims[claim] = options[option];
        }
      }
    }
    const body = typeof claims === 'string' ? claims : claims instanceof p.Uint8Array ? host.utf8Decode(claims) : JSONStringify(claims);
    const input = `${b64url(JSONStringify(header))}.${b64url(body)}`;
    return `${input}.${host.jwsSign(algorithm, input, keyBytes(secretOrPrivateKey))}`;
  }

  function sign(payload, secretOrPrivateKey, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    if (typeof callback !== 'function') return signSync(payload, secretOrPrivateKey, options);
    let token;
    try {
      token = signSync(payload, secretOrPrivateKey, options);
    } catch (e) {
      rt.timers.setTimeout(() => callback(e), 0);
      return undefined;
    }
    rt.timers.setTimeout(() => callback(null, token), 0);
    return undefined;
  }

  function decode(token, options) {
    options = options || {};
    if (typeof token !== 'string') return null;
    const parts = p.StringPrototypeSplit(token, '.');
    if (parts.length !== 3) return null;
    let header;
    try {
      header = JSONParse(fromB64url(parts[0]));
    } catch {
      return null;
    }
    if (header === null || typeof header !== 'object') return null;
    const text = fromB64url(parts[1]);
    let payload = text;
    try {
      const parsed = JSONParse(text);
      if (options.json || (parsed !== null && typeof parsed === 'object')) payload = parsed;
    } catch {
      if (options.json) return null;
    }
    if (options.complete) return { header, payload, signature: parts[2] };
    return payload;
  }

  function defaultAlgorithms(key) {
    const text = typeof key === 'string' ? key : key instanceof p.Uint8Array ? host.utf8Decode(key) : '';
    if (p.StringPrototypeIncludes(text, 'BEGIN CERTIFICATE') || p.StringPrototypeIncludes(text, 'BEGIN PUBLIC KEY')) {
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
    }
    if (p.StringPrototypeIncludes(text, 'BEGIN RSA PUBLIC KEY')) return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    return ['HS256', 'HS384', 'HS512'];
  }

  // Checks a token against an already known key; returns the result or
  // throws the package's error.
  function verifyWithKey(token, decoded, key, options) {
    if (!key) throw new JsonWebTokenError('secret or public key must be provided');
    const parts = p.StringPrototypeSplit(token, '.');
    if (parts[2] === '' && !options.algorithms) throw new JsonWebTokenError('jwt signature is required');
    const algorithms = options.algorithms || defaultAlgorithms(key);
    if (!ArrayPrototypeIncludes(algorithms, decoded.header.alg)) throw new JsonWebTokenError('invalid algorithm');
    const problem = host.jwsVerify(decoded.header.alg, `${parts[0]}.${parts[1]}`, parts[2], keyBytes(key));
    if (problem !== '') throw new JsonWebTokenError(problem === 'invalid algorithm' ? problem : 'invalid signature');
    const payload = decoded.payload;
    const clockTimestamp = options.clockTimestamp || MathFloor(p.DateNow() / 1000);
    const tolerance = options.clockTolerance || 0;
    if (payload !== null && typeof payload === 'object') {
      if (payload.nbf !== undefined && !options.ignoreNotBefore) {
        if (typeof payload.nbf !== 'number') throw new JsonWebTokenError('invalid nbf value');
        if (payload.nbf > clockTimestamp + tolerance) throw new NotBeforeError('jwt not active', new p.Date(payload.nbf * 1000));
      }
      if (payload.exp !== undefined && !options.ignoreExpiration) {
        if (typeof payload.exp !== 'number') throw new JsonWebTokenError('invalid exp value');
        if (clockTimestamp >= payload.exp + tolerance) throw new TokenExpiredError('jwt expired', new p.Date(payload.exp * 1000));
      }
      if (options.audience) {
        const audiences = ArrayIsArray(options.audience) ? options.audience : [options.audience];
        const target = ArrayIsArray(payload.aud) ? payload.aud : [payload.aud];
        const match = ArrayPrototypeSome(target, (aud) => ArrayPrototypeSome(audiences, (a) => (a instanceof p.RegExp ? p.RegExpPrototypeTest(a, aud) : a === aud)));
        if (!match) throw new JsonWebTokenError(`jwt audience invalid. expected: ${ArrayPrototypeJoin(audiences, ' or ')}`);
      }
      if (options.issuer) {
        const issuers = ArrayIsArray(options.issuer) ? options.issuer : [options.issuer];
        if (!ArrayPrototypeIncludes(issuers, payload.iss)) throw new JsonWebTokenError(`jwt issuer invalid. expected: ${ArrayPrototypeJoin(issuers, ',')}`);
      }
      if (options.subject && payload.sub !== options.subject) throw new JsonWebTokenError(`jwt subject invalid. expected: ${options.subject}`);
      if (options.jwtid && payload.jti !== options.jwtid) throw new JsonWebTokenError(`jwt jwtid invalid. expected: ${options.jwtid}`);
      if (options.nonce && payload.nonce !== options.nonce) throw new JsonWebTokenError(`jwt nonce invalid. expected: ${options.nonce}`);
      if (options.maxAge) {
        if (typeof payload.iat !== 'number') throw new JsonWebTokenError('iat required when maxAge is specified');
        const maxAgeTimestamp = timespan(options.maxAge, payload.iat);
        if (maxAgeTimestamp === undefined) throw new JsonWebTokenError('"maxAge" should be a number of seconds or string representing a timespan eg: "1d", "20h", 60');
        if (clockTimestamp >= maxAgeTimestamp + tolerance) throw new TokenExpiredError('maxAge exceeded', new p.Date(maxAgeTimestamp * 1000));
      }
    }
    if (options.complete) return { header: decoded.header, payload, signature: decoded.signature };
    return payload;
  }

  function verify(token, secretOrPublicKey, options, callback) {
    if (typeof options === 'function' && !callback) {
      callback = options;
      options = {};
    }
    options = { ...(options || {}) };
    const done = (err, value) => {
      if (typeof callback === 'function') return callback(err, value);
      if (err) throw err;
      return value;
    };
    if (options.clockTimestamp !== undefined && typeof options.clockTimestamp !== 'number') {
      return done(new JsonWebTokenError('clockTimestamp must be a number'));
    }
    if (!token) return done(new JsonWebTokenError('jwt must be provided'));
    if (typeof token !== 'string') return done(new JsonWebTokenError('jwt must be a string'));
    if (p.StringPrototypeSplit(token, '.').length !== 3) return done(new JsonWebTokenError('jwt malformed'));
    const decoded = decode(token, { complete: true });
    if (decoded === null) return done(new JsonWebTokenError('invalid token'));
    if (typeof secretOrPublicKey === 'function') {
      if (typeof callback !== 'function') return done(new JsonWebTokenError('verify must be called asynchronous if secret or public key is provided as a callback'));
      secretOrPublicKey(decoded.header, (err, key) => {
        if (err) return done(new JsonWebTokenError(`error in secret or public key callback: ${err.message}`));
        let result;
        try {
          result = verifyWithKey(token, decoded, key, options);
        } catch (e) {
          return done(e);
        }
        return done(null, result);
      });
      return undefined;
    }
    let result;
    try {
      result = verifyWithKey(token, decoded, secretOrPublicKey, options);
    } catch (e) {
      return done(e);
    }
    return done(null, result);
  }

  rt.jsonwebtoken = { sign, verify, decode, JsonWebTokenError, TokenExpiredError, NotBeforeError };
})
