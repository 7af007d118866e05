// net, tls and dns: address helpers work; opening a connection or asking
// DNS fails with one message naming the missing capability, as scripts
// cannot open raw sockets (docs/node.md).
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const capability = rt.socketCapabilityError;

  const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  function isIPv4(input) {
    return typeof input === 'string' && IPV4.test(input);
  }
  function isIPv6(input) {
    if (typeof input !== 'string' || !p.StringPrototypeIncludes(input, ':')) return false;
    const zone = p.StringPrototypeIndexOf(input, '%');
    const address = zone === -1 ? input : p.StringPrototypeSlice(input, 0, zone);
    try {
      new rt.URL(`http://[${address}]/`);
      return true;
    } catch {
      return false;
    }
  }
  const isIP = (input) => (isIPv4(input) ? 4 : isIPv6(input) ? 6 : 0);

  const refuse = (what) => function () { throw capability(what); };
  class Socket {
    constructor() { throw capability('net.Socket'); }
  }
  class Server {
    constructor() { throw capability('net.Server'); }
  }
  class BlockList {
    constructor() { this.rules = []; }
    addAddress(address) { p.ArrayPrototypePush(this.rules, address); }
    check(address) { return p.ArrayPrototypeIncludes(this.rules, address); }
  }
  rt.net = {
    isIP, isIPv4, isIPv6, Socket, Server, Stream: Socket, BlockList,
    connect: refuse('net.connect'),
    createConnection: refuse('net.createConnection'),
    createServer: refuse('net.createServer'),
    getDefaultAutoSelectFamily: () => true,
    setDefaultAutoSelectFamily: () => {},
  };

  class TLSSocket {
    constructor() { throw capability('tls.TLSSocket'); }
  }
  rt.tls = {
    connect: refuse('tls.connect'),
    createServer: refuse('tls.createServer'),
    createSecureContext: () => ({ context: {} }),
    checkServerIdentity: () => undefined,
    TLSSocket, Server,
    rootCertificates: [],
    DEFAULT_MIN_VERSION: 'TLSv1.2',
    DEFAULT_MAX_VERSION: 'TLSv1.3',
    DEFAULT_ECDH_CURVE: 'auto',
    getCiphers: () => ['tls_aes_128_gcm_sha256', 'tls_aes_256_gcm_sha384', 'tls_chacha20_poly1305_sha256'],
  };

  // http2: the constants packages read when they load (superagent does);
  // a session needs a socket, so connecting fails like net's.
  const headers = ['status', 'method', 'authority', 'scheme', 'path', 'host', 'set-cookie', 'content-type', 'content-length',
    'accept', 'accept-encoding', 'authorization', 'cookie', 'location', 'user-agent'];
  const constants = { NGHTTP2_NO_ERROR: 0, NGHTTP2_PROTOCOL_ERROR: 1, NGHTTP2_INTERNAL_ERROR: 2, NGHTTP2_CANCEL: 8,
    HTTP2_METHOD_GET: 'GET', HTTP2_METHOD_POST: 'POST', HTTP2_METHOD_PUT: 'PUT', HTTP2_METHOD_DELETE: 'DELETE',
    HTTP2_METHOD_PATCH: 'PATCH', HTTP2_METHOD_HEAD: 'HEAD', HTTP2_METHOD_OPTIONS: 'OPTIONS',
    HTTP_STATUS_OK: 200, HTTP_STATUS_NOT_FOUND: 404 };
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i];
    const pseudo = i < 5 ? ':' : '';
    constants[`HTTP2_HEADER_${p.StringPrototypeToUpperCase(p.StringPrototypeReplace(name, /-/g, '_'))}`] = `${pseudo}${name}`;
  }
  rt.http2 = {
    constants,
    connect: refuse('http2.connect'),
    createServer: refuse('http2.createServer'),
    createSecureServer: refuse('http2.createSecureServer'),
    getDefaultSettings: () => ({}),
    sensitiveHeaders: p.SymbolFor('nodejs.http2.sensitiveHeaders'),
  };

  // dns: a literal address answers itself (as Node does without asking);
  // a name cannot be resolved by scripts.
  function dnsError(what, hostname) {
    const err = capability(`${what}('${hostname}')`);
    err.hostname = hostname;
    err.syscall = what;
    return err;
  }
  function lookup(hostname, options, callback) {
    if (typeof options === 'function') {
      callback = options;
      options = {};
    }
    const family = isIP(hostname);
    rt.timers.setImmediate(() => {
      if (family === 0) callback(dnsError('dns.lookup', hostname));
      else if (options && options.all) callback(null, [{ address: hostname, family }]);
      else callback(null, hostname, family);
    });
  }
  const resolver = (what) => function (hostname, ...rest) {
    const callback = rest[rest.length - 1];
    rt.timers.setImmediate(() => callback(dnsError(what, hostname)));
  };
  const promised = (fn) => (...args) => new p.Promise((resolve, reject) => {
    fn(...args, (err, address, family) => {
      if (err) reject(err);
      else resolve(family === undefined ? address : { address, family });
    });
  });
  const names = ['resolve', 'resolve4', 'resolve6', 'resolveAny', 'resolveCname', 'resolveMx', 'resolveNs', 'resolveTxt', 'resolveSrv', 'resolvePtr', 'resolveSoa', 'resolveNaptr', 'reverse'];
  const dns = { lookup, ADDRCONFIG: 1024, V4MAPPED: 2048, ALL: 256, NOTFOUND: 'ENOTFOUND', setServers: () => {}, getServers: () => [], setDefaultResultOrder: () => {} };
  const promises = { lookup: promised(lookup) };
  for (let i = 0; i < names.length; i++) {
    dns[names[i]] = resolver(`dns.${names[i]}`);
    promises[names[i]] = promised(dns[names[i]]);
  }
  class Resolver {
    constructor() {
      for (let i = 0; i < names.length; i++) this[names[i]] = dns[names[i]];
    }
    setServers() {}
    getServers() { return []; }
    cancel() {}
  }
  dns.Resolver = Resolver;
  promises.Resolver = Resolver;
  dns.promises = promises;
  rt.dns = dns;
})
