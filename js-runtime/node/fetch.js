// fetch, Headers, Request and Response (the WHATWG shapes Node's undici
// gives), and the node-fetch v2 package on the same machinery. The host
// decides every request: answered from a mock, performed for an allowed
// host, or refused with the reason (host.fetchStart).
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const {
    ObjectCreate, ObjectKeys, ObjectDefineProperty, ArrayPrototypePush, ArrayPrototypeSort, ArrayPrototypeJoin,
    StringPrototypeToLowerCase, StringPrototypeTrim, JSONStringify, TypeError, Promise,
    SymbolIterator, Uint8Array,
  } = p;
  rt.load('node/buffer');
  rt.load('node/web');

  // ---- Headers --------------------------------------------------------------
  const kMap = p.Symbol('headers');
  const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  function headerName(name) {
    const text = `${name}`;
    if (!p.RegExpPrototypeTest(HEADER_NAME, text)) throw new TypeError(`Headers.append: "${text}" is an invalid header name.`);
    return StringPrototypeToLowerCase(text);
  }
  const headerValue = (value) => StringPrototypeTrim(`${value}`);

  class Headers {
    constructor(init = undefined) {
      // lower-case name -> [values]
      this[kMap] = new p.Map();
      if (init === undefined || init === null) return;
      if (typeof init !== 'object') throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
      if (init instanceof Headers) {
        p.MapPrototypeForEach(init[kMap], (values, name) => p.MapPrototypeSet(this[kMap], name, p.ArrayPrototypeSlice(values)));
        return;
      }
      if (typeof init[SymbolIterator] === 'function') {
        for (const pair of init) {
          const entry = [...pair];
          if (entry.length !== 2) throw new TypeError('Headers constructor: expected name/value pair to be length 2, found ' + entry.length + '.');
          this.append(entry[0], entry[1]);
        }
        return;
      }
      const keys = ObjectKeys(init);
      for (let i = 0; i < keys.length; i++) this.append(keys[i], init[keys[i]]);
    }
    append(name, value) {
      const key = headerName(name);
      const list = p.MapPrototypeGet(this[kMap], key);
      if (list === undefined) p.MapPrototypeSet(this[kMap], key, [headerValue(value)]);
      else ArrayPrototypePush(list, headerValue(value));
    }
    set(name, value) {
      p.MapPrototypeSet(this[kMap], headerName(name), [headerValue(value)]);
    }
    get(name) {
      const list = p.MapPrototypeGet(this[kMap], headerName(name));
      if (list === undefined) return null;
      return ArrayPrototypeJoin(list, headerName(name) === 'cookie' ? '; ' : ', ');
    }
    getSetCookie() {
      return p.ArrayPrototypeSlice(p.MapPrototypeGet(this[kMap], 'set-cookie') || []);
    }
    has(name) {
      return p.MapPrototypeHas(this[kMap], headerName(name));
    }
    delete(name) {
      p.MapPrototypeDelete(this[kMap], headerName(name));
    }
    forEach(callback, thisArg = undefined) {
      const entries = this._sorted();
      for (let i = 0; i < entries.length; i++) p.ReflectApply(callback, thisArg, [entries[i][1], entries[i][0], this]);
    }
    // Sorted by name, as the Fetch standard iterates them.
    _sorted() {
      // (Collected with the captured forEach, not spread: spreading runs
      // the iterator protocol a script may have replaced.)
      const names = [];
      p.MapPrototypeForEach(this[kMap], (value, name) => { names[names.length] = name; });
      ArrayPrototypeSort(names);
      const out = [];
      for (let i = 0; i < names.length; i++) {
        if (names[i] === 'set-cookie') {
          const cookies = p.MapPrototypeGet(this[kMap], 'set-cookie');
          for (let j = 0; j < cookies.length; j++) ArrayPrototypePush(out, ['set-cookie', cookies[j]]);
        } else {
          ArrayPrototypePush(out, [names[i], this.get(names[i])]);
        }
      }
      return out;
    }
    // (Indexed: a script may have replaced the array iterator.)
    *entries() { const sorted = this._sorted(); for (let i = 0; i < sorted.length; i++) yield sorted[i]; }
    *keys() { const sorted = this._sorted(); for (let i = 0; i < sorted.length; i++) yield sorted[i][0]; }
    *values() { const sorted = this._sorted(); for (let i = 0; i < sorted.length; i++) yield sorted[i][1]; }
    [SymbolIterator]() { return this.entries(); }
    // node-fetch v2's view: every value of every header.
    raw() {
      const out = ObjectCreate(null);
      p.MapPrototypeForEach(this[kMap], (values, name) => { out[name] = p.ArrayPrototypeSlice(values); });
      return out;
    }
    [p.SymbolFor('nodejs.util.inspect.custom')](depth, options) {
      const shown = {};
      const entries = this._sorted();
      for (let i = 0; i < entries.length; i++) shown[entries[i][0]] = entries[i][1];
      return `Headers ${rt.inspect(shown, options)}`;
    }
    get [p.SymbolToStringTag]() { return 'Headers'; }
  }

  // ---- bodies ---------------------------------------------------------------
  const kBody = p.Symbol('body');
  const kUsed = p.Symbol('used');

  // [bytes or null, content type or null] for what a script passes as body.
  function extractBody(body) {
    if (body === undefined || body === null) return [null, null];
    if (typeof body === 'string') return [rt.utf8Encode(body), 'text/plain;charset=UTF-8'];
    if (body instanceof rt.URLSearchParams) return [rt.utf8Encode(`${body}`), 'application/x-www-form-urlencoded;charset=UTF-8'];
    if (body instanceof Uint8Array) return [body, null];
    if (p.ArrayBufferIsView(body)) return [new Uint8Array(body.buffer, body.byteOffset, body.byteLength), null];
    if (body instanceof p.ArrayBuffer) return [new Uint8Array(body), null];
    if (typeof body === 'object' && (typeof body.getReader === 'function' || typeof body.pipe === 'function')) {
      throw new TypeError("Streaming request bodies are not supported by actionbox's emulation of fetch: pass a string, Buffer or URLSearchParams");
    }
    // No Blob or FormData exists before node/blob.js is loaded.
    if (rt.FormData !== undefined && body instanceof rt.FormData) return rt.multipartBody(body);
    if (rt.Blob !== undefined && body instanceof rt.Blob) {
      return [rt.blobBytes(body), body.type === '' ? null : body.type];
    }
    // Anything else is stringified, as the standard does ('[object Object]').
    return [rt.utf8Encode(`${body}`), 'text/plain;charset=UTF-8'];
  }

  function consume(self) {
    if (self[kUsed]) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    self[kUsed] = true;
    return Promise.resolve(self[kBody] === null ? new Uint8Array(0) : self[kBody]);
  }

  const bodyMixin = {
    get bodyUsed() { return this[kUsed]; },
    get body() {
      const bytes = this[kBody];
      if (bytes === null) return null;
      const self = this;
      // A one-chunk readable stream: enough for getReader() loops and
      // `for await (const chunk of res.body)`.
      return {
        locked: false,
        getReader() {
          let done = false;
          return {
            read() {
              if (done || self[kUsed]) return Promise.resolve({ value: undefined, done: true });
              done = true;
              self[kUsed] = true;
              return Promise.resolve({ value: bytes, done: false });
            },
            releaseLock() {},
            cancel() { done = true; return Promise.resolve(); },
          };
        },
        async *[p.SymbolAsyncIterator]() {
          if (!self[kUsed]) {
            self[kUsed] = true;
            yield bytes;
          }
        },
        pipe() {
          throw new TypeError("Piping a response body is not supported by actionbox's emulation of fetch: read it with text(), json() or arrayBuffer()");
        },
      };
    },
    text() { return p.PromisePrototypeThen(consume(this), (bytes) => host.utf8Decode(bytes)); },
    json() { return p.PromisePrototypeThen(consume(this), (bytes) => rt.parseJson(host.utf8Decode(bytes))); },
    arrayBuffer() {
      return p.PromisePrototypeThen(consume(this), (bytes) => p.ReflectApply(p.ArrayBuffer.prototype.slice, bytes.buffer, [bytes.byteOffset, bytes.byteOffset + bytes.byteLength]));
    },
    bytes() { return p.PromisePrototypeThen(consume(this), (bytes) => new Uint8Array(bytes)); },
    // node-fetch v2
    buffer() { return p.PromisePrototypeThen(consume(this), (bytes) => rt.Buffer.from(bytes)); },
    blob() {
      const type = this.headers.get('content-type');
      return p.PromisePrototypeThen(consume(this), (bytes) => {
        rt.load('node/blob');
        return rt.newBlob(new Uint8Array(bytes), type);
      });
    },
    formData() {
      const type = this.headers.get('content-type');
      return p.PromisePrototypeThen(consume(this), (bytes) => {
        rt.load('node/blob');
        return rt.parseFormData(bytes, type);
      });
    },
  };
  function mixBody(Class) {
    const names = p.ReflectOwnKeys(bodyMixin);
    for (let i = 0; i < names.length; i++) {
      // Without a prototype before it is written to (docs/security.md,
      // hazard 8).
      const desc = p.ObjectSetPrototypeOf(p.ObjectGetOwnPropertyDescriptor(bodyMixin, names[i]), null);
      desc.enumerable = false;
      ObjectDefineProperty(Class.prototype, names[i], desc);
    }
  }

  // ---- Request --------------------------------------------------------------
  const kSignal = p.Symbol('signal');
  const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH'];
  class Request {
    constructor(input, init = {}) {
      if (init === null || typeof init !== 'object') init = {};
      let base = null;
      if (input instanceof Request) base = input;
      const url = base !== null ? base.url : `${input}`;
      let parsed;
      try {
        parsed = new rt.URL(url);
      } catch (e) {
        const err = new TypeError(`Failed to parse URL from ${url}`);
        err.cause = e;
        throw err;
      }
      if (parsed.username !== '' || parsed.password !== '') {
        throw new TypeError(`Request cannot be constructed from a URL that includes credentials: ${url}`);
      }
      let method = init.method !== undefined ? `${init.method}` : base !== null ? base.method : 'GET';
      const upper = p.StringPrototypeToUpperCase(method);
      if (p.ArrayPrototypeIncludes(METHODS, upper)) method = upper;
      const body = 'body' in init ? init.body : undefined;
      if (body !== undefined && body !== null && (method === 'GET' || method === 'HEAD')) {
        throw new TypeError('Request with GET/HEAD method cannot have body.');
      }
      this.url = parsed.href;
      this.method = method;
      this.headers = new Headers(init.headers !== undefined ? init.headers : base !== null ? base.headers : undefined);
      this.redirect = init.redirect || (base !== null ? base.redirect : 'follow');
      this[kSignal] = init.signal !== undefined ? init.signal : base !== null ? base.signal : null;
      // (Indexed, not destructured: a script may have replaced the array
      // iterator; docs/security.md, hazard 8.)
      const extracted = body !== undefined ? extractBody(body) : [base !== null ? base[kBody] : null, null];
      const bytes = extracted[0], type = extracted[1];
      this[kBody] = bytes;
      this[kUsed] = false;
      if (type !== null && !this.headers.has('content-type')) this.headers.set('content-type', type);
      // node-fetch v2 options
      if (init.timeout !== undefined) this.timeout = init.timeout;
    }
    get signal() { return this[kSignal]; }
    clone() {
      return new Request(this, {});
    }
    get [p.SymbolToStringTag]() { return 'Request'; }
  }
  mixBody(Request);

  // ---- Response -------------------------------------------------------------
  const kMeta = p.Symbol('meta');
  class Response {
    constructor(body = null, init = {}) {
      if (init === null || typeof init !== 'object') init = {};
      const status = init.status === undefined ? 200 : +init.status;
      if (!(status >= 200 && status <= 599) || !p.NumberIsInteger(status)) {
        const err = new p.RangeError(`init["status"] must be in the range of 200 to 599, inclusive.`);
        throw err;
      }
      const extracted = extractBody(body);
      const bytes = extracted[0], type = extracted[1];
      this[kBody] = bytes;
      this[kUsed] = false;
      this.headers = new Headers(init.headers);
      if (type !== null && !this.headers.has('content-type')) this.headers.set('content-type', type);
      this[kMeta] = { status, statusText: init.statusText === undefined ? '' : `${init.statusText}`, url: '', redirected: false, type: 'default' };
    }
    get status() { return this[kMeta].status; }
    get statusText() { return this[kMeta].statusText; }
    get ok() { return this[kMeta].status >= 200 && this[kMeta].status < 300; }
    get url() { return this[kMeta].url; }
    get redirected() { return this[kMeta].redirected; }
    get type() { return this[kMeta].type; }
    clone() {
      if (this[kUsed]) throw new TypeError('Response.clone: Body has already been consumed.');
      const copy = new Response(null, { status: this.status, statusText: this.statusText, headers: this.headers });
      copy[kBody] = this[kBody];
      copy[kMeta] = { ...this[kMeta] };
      return copy;
    }
    static json(data, init = {}) {
      const text = JSONStringify(data);
      const headers = new Headers(init.headers);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      return new Response(text, { ...init, headers });
    }
    static error() {
      const response = new Response(null, { status: 200 });
      response[kMeta] = { status: 0, statusText: '', url: '', redirected: false, type: 'error' };
      return response;
    }
    static redirect(url, status = 302) {
      const response = new Response(null, { status, headers: { location: new rt.URL(`${url}`).href } });
      return response;
    }
    [p.SymbolFor('nodejs.util.inspect.custom')](depth, options) {
      const shown = {
        status: this.status, statusText: this.statusText, headers: this.headers, body: this[kBody] === null ? null : 'ReadableStream { locked: false, state: \'readable\', supportsBYOB: true }',
        bodyUsed: this[kUsed], ok: this.ok, redirected: this.redirected, type: this.type, url: this.url,
      };
      return `Response ${rt.inspect(shown, options)}`;
    }
    get [p.SymbolToStringTag]() { return 'Response'; }
  }
  mixBody(Response);

  function responseFrom(init, type) {
    const response = new Response(null, { status: 200, headers: init.headers });
    response[kBody] = init.body.length === 0 ? null : init.body;
    response[kMeta] = { status: init.status, statusText: init.statusText, url: init.url, redirected: false, type };
    return response;
  }

  // ---- fetch ----------------------------------------------------------------
  const callbacks = ObjectCreate(null);
  rt.fetchCallbacks = callbacks;

  // Starts a request with the host. `settle.resolve(init)` gets the raw
  // response, `settle.reject(message)` the host's reason.
  rt.httpStart = function (request, settle) {
    const json = JSONStringify({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: request.body === null ? '' : host.base64Encode(request.body, false),
      timeout_ms: request.timeoutMs === undefined ? null : p.MathMax(0, p.MathFloor(request.timeoutMs)),
    });
    const id = host.fetchStart(json);
    callbacks[id] = settle;
    return () => {
      if (callbacks[id] !== undefined) {
        delete callbacks[id];
        host.fetchCancel(id);
      }
    };
  };
  // Response headers as axios and request give them: lower-case names,
  // repeated values joined with ', ', set-cookie as an array.
  rt.headerObject = function (pairs) {
    const out = {};
    for (let i = 0; i < pairs.length; i++) {
      const name = StringPrototypeToLowerCase(pairs[i][0]);
      if (name === 'set-cookie') {
        out[name] = out[name] || [];
        ArrayPrototypePush(out[name], pairs[i][1]);
      } else {
        out[name] = out[name] === undefined ? pairs[i][1] : `${out[name]}, ${pairs[i][1]}`;
      }
    }
    return out;
  };
  // Header pairs in the order the script set them.
  rt.headerPairs = function (headers) {
    const out = [];
    p.MapPrototypeForEach(headers[kMap], (values, name) => {
      for (let i = 0; i < values.length; i++) ArrayPrototypePush(out, [name, values[i]]);
    });
    return out;
  };

  function timeoutOf(signal, extra) {
    let ms = signal !== null && signal !== undefined ? signal[rt.kTimeoutMs] : undefined;
    if (extra !== undefined && extra > 0 && !(ms <= extra)) ms = extra;
    return ms;
  }

  // makeError(message, request) builds what the promise rejects with.
  function performFetch(input, init, makeError, type) {
    return new Promise((resolve, reject) => {
      const request = new Request(input, init);
      const signal = request.signal;
      if (signal !== null && signal !== undefined && signal.aborted) {
        reject(signal.reason);
        return;
      }
      if (!p.StringPrototypeStartsWith(request.url, 'http:') && !p.StringPrototypeStartsWith(request.url, 'https:')) {
        reject(makeError(`only http and https URLs can be fetched, not ${request.url}`, request));
        return;
      }
      let settled = false;
      let cancel;
      try {
        cancel = rt.httpStart({
          method: request.method,
          url: request.url,
          headers: rt.headerPairs(request.headers),
          body: request[kBody],
          timeoutMs: timeoutOf(signal, request.timeout),
        }, {
          resolve(raw) {
            settled = true;
            resolve(responseFrom(raw, type));
          },
          reject(message) {
            settled = true;
            if (message === 'aborted' && signal && signal.aborted) {
              reject(signal.reason);
            } else if (p.StringPrototypeStartsWith(message, 'the request timed out') && signal && signal[rt.kTimeoutMs] !== undefined) {
              reject(rt.domException('The operation was aborted due to timeout', 'TimeoutError'));
            } else {
              reject(makeError(message, request));
            }
          },
        });
      } catch (e) {
        reject(e);
        return;
      }
      if (signal !== null && signal !== undefined && typeof signal.addEventListener === 'function') {
        signal.addEventListener('abort', () => {
          if (settled) return;
          settled = true;
          cancel();
          reject(signal.reason);
        }, { once: true });
      }
    });
  }

  // undici's TypeError('fetch failed'), with the reason in the message too:
  // a refused host must say what to do wherever the script logs it.
  function fetch(input, init = undefined) {
    if (arguments.length === 0) {
      return Promise.reject(new TypeError("Failed to execute 'fetch' on 'Window': 1 argument required, but only 0 present."));
    }
    try {
      return performFetch(input, init, (message) => {
        const cause = new p.Error(message);
        const err = new TypeError(`fetch failed: ${message}`);
        err.cause = cause;
        return err;
      }, 'basic');
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // node-fetch v2: FetchError('request to URL failed, reason: ...').
  class FetchError extends p.Error {
    constructor(message, type, systemError) {
      super(message);
      this.type = type;
      if (systemError !== undefined) {
        this.code = this.errno = systemError.code;
      }
    }
    get name() { return 'FetchError'; }
  }
  class AbortError extends p.Error {
    constructor(message) {
      super(message);
      this.type = 'aborted';
    }
    get name() { return 'AbortError'; }
  }
  function nodeFetch(input, init = undefined) {
    const p2 = new Promise((resolve, reject) => {
      let started;
      try {
        started = performFetch(input, init, (message, request) => new FetchError(`request to ${request.url} failed, reason: ${message}`, 'system', { code: 'ECONNREFUSED' }), 'default');
      } catch (e) {
        reject(e);
        return;
      }
      p.PromisePrototypeThen(started, resolve, (err) => {
        if (err !== null && typeof err === 'object' && (err.name === 'AbortError' || err.name === 'TimeoutError')) {
          reject(new AbortError('The user aborted a request.'));
        } else {
          reject(err);
        }
      });
    });
    return p2;
  }
  nodeFetch.default = nodeFetch;
  nodeFetch.Headers = Headers;
  nodeFetch.Request = Request;
  nodeFetch.Response = Response;
  nodeFetch.FetchError = FetchError;
  nodeFetch.AbortError = AbortError;
  nodeFetch.isRedirect = (code) => code === 301 || code === 302 || code === 303 || code === 307 || code === 308;

  rt.Headers = Headers;
  rt.nodeFetch = nodeFetch;
  rt.fetch = fetch;
  const globals = rt.globals;
  globals.fetch = fetch;
  globals.Headers = Headers;
  globals.Request = Request;
  globals.Response = Response;
})
