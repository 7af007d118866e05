// The http and https modules as clients, over the host's fetch: every
// request goes through the same policy as fetch (mocks, then the
// allow-list, else refused) and is recorded in the outcome. Servers and
// raw sockets are not available to scripts (docs/node.md).
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectCreate, ObjectKeys, ArrayPrototypePush, StringPrototypeToLowerCase, TypeError } = p;
  rt.load('node/fetch');
  rt.load('node/buffer');
  const builtin = rt.makeRequire('actionbox:node/http');
  const { Readable, Writable } = builtin('stream');
  const EventEmitter = builtin('events');
  const Buffer = rt.Buffer;

  const STATUS_CODES = {
    100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
    200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
    205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
    300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified',
    305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
    400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
    405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
    409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Payload Too Large',
    414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed',
    418: "I'm a Teapot", 421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency',
    425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests',
    431: 'Request Header Fields Too Large', 451: 'Unavailable For Legal Reasons',
    500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
    504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates', 507: 'Insufficient Storage',
    508: 'Loop Detected', 509: 'Bandwidth Limit Exceeded', 510: 'Not Extended', 511: 'Network Authentication Required',
  };
  const METHODS = ['ACL', 'BIND', 'CHECKOUT', 'CONNECT', 'COPY', 'DELETE', 'GET', 'HEAD', 'LINK', 'LOCK', 'M-SEARCH',
    'MERGE', 'MKACTIVITY', 'MKCALENDAR', 'MKCOL', 'MOVE', 'NOTIFY', 'OPTIONS', 'PATCH', 'POST', 'PROPFIND',
    'PROPPATCH', 'PURGE', 'PUT', 'QUERY', 'REBIND', 'REPORT', 'SEARCH', 'SOURCE', 'SUBSCRIBE', 'TRACE', 'UNBIND',
    'UNLINK', 'UNLOCK', 'UNSUBSCRIBE'];

  const capability = rt.socketCapabilityError;

  class Agent extends EventEmitter {
    constructor(options) {
      super();
      this.options = { path: null, ...options };
      this.keepAlive = !!(options && options.keepAlive);
      this.keepAliveMsecs = (options && options.keepAliveMsecs) || 1000;
      this.maxSockets = (options && options.maxSockets) || Infinity;
      this.maxFreeSockets = (options && options.maxFreeSockets) || 256;
      this.maxTotalSockets = Infinity;
      this.sockets = ObjectCreate(null);
      this.freeSockets = ObjectCreate(null);
      this.requests = ObjectCreate(null);
      this.defaultPort = 80;
      this.protocol = 'http:';
    }
    getName(options = {}) {
      return `${options.host || 'localhost'}:${options.port || ''}:${options.localAddress || ''}`;
    }
    destroy() {}
  }

  // What a request's `socket` answers: a stand-in, since the host holds
  // the connection.
  class FakeSocket extends EventEmitter {
    constructor(remote) {
      super();
      this.remoteAddress = remote;
      this.remotePort = undefined;
      this.encrypted = false;
      this.connecting = false;
      this.destroyed = false;
      this.readable = true;
      this.writable = true;
    }
    setTimeout(ms, cb) { if (cb) this.once('timeout', cb); return this; }
    setNoDelay() { return this; }
    setKeepAlive() { return this; }
    ref() { return this; }
    unref() { return this; }
    address() { return {}; }
    destroy() { this.destroyed = true; return this; }
    end() { return this; }
  }

  class IncomingMessage extends Readable {
    constructor(raw, socket) {
      super();
      this.socket = socket;
      this.connection = socket;
      this.httpVersion = '1.1';
      this.httpVersionMajor = 1;
      this.httpVersionMinor = 1;
      this.statusCode = raw.status;
      this.statusMessage = raw.statusText || STATUS_CODES[raw.status] || '';
      this.headers = rt.headerObject(raw.headers);
      this.rawHeaders = [];
      for (let i = 0; i < raw.headers.length; i++) ArrayPrototypePush(this.rawHeaders, raw.headers[i][0], raw.headers[i][1]);
      this.headersDistinct = ObjectCreate(null);
      this.trailers = {};
      this.rawTrailers = [];
      this.url = '';
      this.method = null;
      this.complete = false;
      this.aborted = false;
      this.responseUrl = raw.url;
      this._body = raw.body;
    }
    _read() {
      if (this._body === null) return;
      const body = this._body;
      this._body = null;
      if (body.length > 0) this.push(Buffer.from(body.buffer, body.byteOffset, body.length));
      this.complete = true;
      this.push(null);
    }
    setTimeout(ms, cb) { if (cb) this.once('timeout', cb); return this; }
  }

  function networkError(message) {
    const err = new Error(message);
    if (p.StringPrototypeStartsWith(message, 'refused') || p.StringPrototypeIncludes(message, 'is not allowed')) err.code = 'ECONNREFUSED';
    else if (p.StringPrototypeStartsWith(message, 'the request timed out')) err.code = 'ETIMEDOUT';
    else err.code = 'ECONNRESET';
    return err;
  }

  function toOptions(input, options, defaultProtocol) {
    let out = {};
    if (typeof input === 'string' || (input !== null && typeof input === 'object' && input instanceof rt.URL)) {
      const url = typeof input === 'string' ? new rt.URL(input) : input;
      out = {
        protocol: url.protocol,
        hostname: p.StringPrototypeStartsWith(url.hostname, '[') ? p.StringPrototypeSlice(url.hostname, 1, -1) : url.hostname,
        port: url.port,
        path: `${url.pathname || '/'}${url.search || ''}`,
      };
      if (url.username || url.password) out.auth = `${p.decodeURIComponent(url.username)}:${p.decodeURIComponent(url.password)}`;
    } else if (input !== null && typeof input === 'object') {
      options = input;
    }
    if (options !== null && typeof options === 'object') out = { ...out, ...options };
    out.protocol = out.protocol || defaultProtocol;
    return out;
  }

  class ClientRequest extends Writable {
    constructor(input, options, callback, defaultProtocol) {
      super({ decodeStrings: true });
      if (typeof options === 'function') {
        callback = options;
        options = undefined;
      }
      const opts = toOptions(input, options, defaultProtocol);
      if (opts.protocol !== 'http:' && opts.protocol !== 'https:') {
        const err = new TypeError(`Protocol "${opts.protocol}" not supported. Expected "${defaultProtocol}"`);
        err.code = 'ERR_INVALID_PROTOCOL';
        throw err;
      }
      this.method = p.StringPrototypeToUpperCase(`${opts.method || 'GET'}`);
      this.protocol = opts.protocol;
      this.host = opts.hostname || opts.host || 'localhost';
      const hostPort = /^(.*):(\d+)$/.exec(this.host);
      if (!opts.hostname && hostPort !== null && !p.StringPrototypeIncludes(hostPort[1], ':')) {
        this.host = hostPort[1];
        if (!opts.port) opts.port = hostPort[2];
      }
      this.port = opts.port ? `${opts.port}` : '';
      this.path = opts.path || '/';
      this.agent = opts.agent;
      this.timeoutMs = opts.timeout;
      this.aborted = false;
      this.reusedSocket = false;
      this.maxHeadersCount = null;
      this._headers = ObjectCreate(null);
      this._chunks = [];
      this._cancel = null;
      this._responded = false;
      this._timer = undefined;
      this.socket = new FakeSocket(this.host);
      this.connection = this.socket;
      const headers = opts.headers || {};
      if (p.ArrayIsArray(headers)) {
        for (let i = 0; i + 1 < headers.length; i += 2) this.setHeader(headers[i], headers[i + 1]);
      } else {
        const names = ObjectKeys(headers);
        for (let i = 0; i < names.length; i++) {
          if (headers[names[i]] !== undefined) this.setHeader(names[i], headers[names[i]]);
        }
      }
      if (opts.auth && !this.hasHeader('authorization')) {
        this.setHeader('Authorization', `Basic ${Buffer.from(`${opts.auth}`).toString('base64')}`);
      }
      if (callback) this.once('response', callback);
      if (opts.signal) {
        const onAbort = () => this.destroy(rt.domException('The operation was aborted', 'AbortError'));
        if (opts.signal.aborted) p.PromisePrototypeThen(p.PromiseResolve(), onAbort);
        else opts.signal.addEventListener('abort', onAbort, { once: true });
      }
      rt.timers.setImmediate(() => {
        if (!this.destroyed) this.emit('socket', this.socket);
      });
    }
    get url() {
      const host = p.StringPrototypeIncludes(this.host, ':') ? `[${this.host}]` : this.host;
      const standard = (this.protocol === 'http:' && this.port === '80') || (this.protocol === 'https:' && this.port === '443');
      return `${this.protocol}//${host}${this.port && !standard ? `:${this.port}` : ''}${this.path}`;
    }
    setHeader(name, value) {
      if (this._sent) {
        const err = new Error('Cannot set headers after they are sent to the client');
        err.code = 'ERR_HTTP_HEADERS_SENT';
        throw err;
      }
      this._headers[StringPrototyperLower(name)] = [`${name}`, value];
      return this;
    }
    getHeader(name) {
      const entry = this._headers[StringPrototyperLower(name)];
      return entry === undefined ? undefined : entry[1];
    }
    hasHeader(name) { return this._headers[StringPrototyperLower(name)] !== undefined; }
    removeHeader(name) { delete this._headers[StringPrototyperLower(name)]; }
    getHeaderNames() { return ObjectKeys(this._headers); }
    getHeaders() {
      const out = ObjectCreate(null);
      const names = ObjectKeys(this._headers);
      for (let i = 0; i < names.length; i++) out[names[i]] = this._headers[names[i]][1];
      return out;
    }
    getRawHeaderNames() { return p.ArrayPrototypeMap(ObjectKeys(this._headers), (n) => this._headers[n][0]); }
    flushHeaders() {}
    setNoDelay() {}
    setSocketKeepAlive() {}
    setTimeout(ms, callback) {
      if (callback) this.once('timeout', callback);
      this.timeoutMs = ms;
      if (this._sent) this._armTimeout();
      return this;
    }
    _armTimeout() {
      if (this._timer !== undefined) rt.timers.clearTimeout(this._timer);
      this._timer = undefined;
      if (this.timeoutMs > 0 && !this._responded) {
        this._timer = rt.timers.setTimeout(() => {
          this._timer = undefined;
          if (!this._responded && !this.destroyed) {
            this.emit('timeout');
            this.socket.emit('timeout');
          }
        }, this.timeoutMs);
      }
    }
    _write(chunk, encoding, callback) {
      ArrayPrototypePush(this._chunks, typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk);
      callback();
    }
    _final(callback) {
      this._send();
      callback();
    }
    _send() {
      this._sent = true;
      const pairs = [];
      const names = ObjectKeys(this._headers);
      for (let i = 0; i < names.length; i++) {
        // (Indexed: a script may have replaced the array iterator.)
        const name = this._headers[names[i]][0], value = this._headers[names[i]][1];
        if (p.ArrayIsArray(value)) {
          for (let j = 0; j < value.length; j++) ArrayPrototypePush(pairs, [name, `${value[j]}`]);
        } else {
          ArrayPrototypePush(pairs, [name, `${value}`]);
        }
      }
      const body = this._chunks.length === 0 ? null : Buffer.concat(this._chunks);
      this._chunks = [];
      this._armTimeout();
      try {
        this._cancel = rt.httpStart({ method: this.method, url: this.url, headers: pairs, body }, {
          resolve: (raw) => {
            this._cancel = null;
            if (this.destroyed) return;
            this._responded = true;
            if (this._timer !== undefined) rt.timers.clearTimeout(this._timer);
            const response = new IncomingMessage(raw, this.socket);
            response.req = this;
            this.res = response;
            if (!this.emit('response', response)) response.resume();
            response.once('end', () => this.emit('close'));
          },
          reject: (message) => {
            this._cancel = null;
            if (this.destroyed) return;
            this.destroy(networkError(message));
          },
        });
      } catch (e) {
        this.destroy(e);
      }
    }
    abort() {
      if (this.aborted) return;
      this.aborted = true;
      rt.timers.setImmediate(() => this.emit('abort'));
      this.destroy();
    }
    _destroy(err, callback) {
      if (this._timer !== undefined) rt.timers.clearTimeout(this._timer);
      if (this._cancel !== null) {
        this._cancel();
        this._cancel = null;
      }
      if (this.res) this.res.destroy(err || undefined);
      if (!err && !this._responded && !this.aborted) {
        err = new Error('socket hang up');
        err.code = 'ECONNRESET';
      }
      callback(this.aborted && !this._responded ? null : err);
    }
  }
  const StringPrototyperLower = (name) => StringPrototypeToLowerCase(`${name}`);

  function makeModule(protocol, defaultPort) {
    const globalAgent = new Agent({ keepAlive: true });
    globalAgent.defaultPort = defaultPort;
    globalAgent.protocol = protocol;
    class ModuleAgent extends Agent {
      constructor(options) {
        super(options);
        this.defaultPort = defaultPort;
        this.protocol = protocol;
      }
    }
    function request(input, options, callback) {
      return new ClientRequest(input, options, callback, protocol);
    }
    function get(input, options, callback) {
      const req = request(input, options, callback);
      req.end();
      return req;
    }
    const server = () => { throw capability(`${protocol === 'https:' ? 'https' : 'http'}.createServer`); };
    return {
      Agent: ModuleAgent, globalAgent, ClientRequest, IncomingMessage, OutgoingMessage: Writable,
      STATUS_CODES, METHODS, request, get, createServer: server, Server: server,
      maxHeaderSize: 16384,
      validateHeaderName(name) {
        if (typeof name !== 'string' || !/^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/.test(name)) {
          const err = new TypeError(`Header name must be a valid HTTP token ["${name}"]`);
          err.code = 'ERR_INVALID_HTTP_TOKEN';
          throw err;
        }
      },
      validateHeaderValue(name, value) {
        if (value === undefined) {
          const err = new TypeError(`Invalid value "${value}" for header "${name}"`);
          err.code = 'ERR_HTTP_INVALID_HEADER_VALUE';
          throw err;
        }
      },
    };
  }
  rt.http = makeModule('http:', 80);
  rt.https = makeModule('https:', 443);
})
