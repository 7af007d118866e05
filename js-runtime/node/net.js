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
