// The request package (callback form, as Rules use it) and
// request-promise / request-promise-native (promise form), on top of the
// host's HTTP (see node/fetch.js). Streaming (pipe, multipart, formData,
// oauth signing, har) is not emulated and says so.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectKeys, ArrayPrototypePush, ArrayPrototypeJoin, StringPrototypeToLowerCase, StringPrototypeToUpperCase, JSONStringify, JSONParse, Promise } = p;
  rt.load('node/fetch');
  rt.load('node/buffer');
  rt.load('node/querystring');
  rt.load('node/events');

  const UNSUPPORTED = ['multipart', 'formData', 'oauth', 'har', 'agent', 'agentOptions', 'proxy', 'pool', 'aws', 'hawk', 'httpSignature'];

  // The qs package's stringify as request uses it: nested objects as
  // a[b]=c, arrays as a[0]=x, brackets percent-encoded.
  function qsStringify(value, prefix, out) {
    if (value === undefined) return;
    if (value === null) {
      ArrayPrototypePush(out, `${p.encodeURIComponent(prefix)}=`);
      return;
    }
    if (value instanceof p.Date) value = p.DatePrototypeToISOString(value);
    if (typeof value === 'object') {
      const keys = ObjectKeys(value);
      for (let i = 0; i < keys.length; i++) qsStringify(value[keys[i]], `${prefix}[${keys[i]}]`, out);
      return;
    }
    ArrayPrototypePush(out, `${p.encodeURIComponent(prefix)}=${p.encodeURIComponent(`${value}`)}`);
  }
  function stringifyQuery(object, useQuerystring) {
    if (useQuerystring) return rt.querystring.stringify(object);
    const out = [];
    const keys = ObjectKeys(object);
    for (let i = 0; i < keys.length; i++) {
      const value = object[keys[i]];
      if (value !== null && typeof value === 'object' && !(value instanceof p.Date)) {
        const inner = ObjectKeys(value);
        for (let j = 0; j < inner.length; j++) qsStringify(value[inner[j]], `${keys[i]}[${inner[j]}]`, out);
      } else {
        qsStringify(value, keys[i], out);
      }
    }
    return ArrayPrototypeJoin(out, '&');
  }

  function setDefault(headers, name, value) {
    const keys = ObjectKeys(headers);
    for (let i = 0; i < keys.length; i++) if (StringPrototypeToLowerCase(keys[i]) === StringPrototypeToLowerCase(name)) return;
    headers[name] = value;
  }

  function normalise(uri, options, callback) {
    let params;
    if (typeof options === 'function') {
      callback = options;
      options = undefined;
    }
    if (typeof uri === 'object' && uri !== null && !(uri instanceof rt.URL)) params = { ...uri };
    else params = { ...(options || {}), uri };
    if (params.url !== undefined && params.uri === undefined) params.uri = params.url;
    if (callback !== undefined) params.callback = callback;
    return params;
  }

  class RequestError extends p.Error {
    constructor(cause, options, response) {
      super(`${cause}`);
      this.cause = cause;
      this.error = cause;
      this.options = options;
      this.response = response;
    }
    get name() { return 'RequestError'; }
  }
  class StatusCodeError extends p.Error {
    constructor(statusCode, body, options, response) {
      super(`${statusCode} - ${body !== null && typeof body === 'object' ? JSONStringify(body) : JSONStringify(`${body}`)}`);
      this.statusCode = statusCode;
      this.error = body;
      this.options = options;
      this.response = response;
    }
    get name() { return 'StatusCodeError'; }
  }

  // Performs one request; done(err, response, body).
  function perform(params, reply) {
    // Always asynchronous, as the real package is: a listener attached
    // after request() returns still hears an early error.
    const done = (...args) => p.PromisePrototypeThen(p.PromiseResolve(), () => p.ReflectApply(reply, undefined, args));
    for (let i = 0; i < UNSUPPORTED.length; i++) {
      if (params[UNSUPPORTED[i]] !== undefined) {
        done(new p.Error(`the '${UNSUPPORTED[i]}' option is not supported by actionbox's emulation of request`));
        return () => {};
      }
    }
    let uri = params.uri instanceof rt.URL ? params.uri.href : params.uri;
    if (typeof uri !== 'string' || uri === '') {
      done(new p.Error('options.uri is a required argument'));
      return () => {};
    }
    if (params.baseUrl) uri = `${p.StringPrototypeReplace(`${params.baseUrl}`, /\/$/, '')}/${p.StringPrototypeReplace(uri, /^\//, '')}`;
    if (params.qs && typeof params.qs === 'object') {
      const query = stringifyQuery(params.qs, params.useQuerystring);
      if (query !== '') uri += (p.StringPrototypeIndexOf(uri, '?') === -1 ? '?' : '&') + query;
    }
    let parsed;
    try {
      parsed = new rt.URL(uri);
    } catch {
      done(new p.Error(`Invalid URI "${uri}"`));
      return () => {};
    }
    const method = StringPrototypeToUpperCase(params.method || 'GET');
    const headers = { ...(params.headers || {}) };
    let body = null;
    if (params.form !== undefined) {
      body = rt.utf8Encode(typeof params.form === 'string' ? params.form : stringifyQuery(params.form, params.useQuerystring));
      setDefault(headers, 'content-type', 'application/x-www-form-urlencoded');
    } else if (params.json !== undefined && params.json !== false && params.body === undefined && typeof params.json !== 'boolean') {
      body = rt.utf8Encode(JSONStringify(params.json));
      setDefault(headers, 'content-type', 'application/json');
    } else if (params.body !== undefined) {
      if (params.json === true && typeof params.body !== 'string' && !(params.body instanceof p.Uint8Array)) {
        body = rt.utf8Encode(JSONStringify(params.body));
        setDefault(headers, 'content-type', 'application/json');
      } else if (typeof params.body === 'string') {
        body = rt.utf8Encode(params.body);
      } else if (params.body instanceof p.Uint8Array) {
        body = params.body;
      } else {
        done(new p.Error('Argument error, options.body.'));
        return () => {};
      }
    }
    if (params.json) setDefault(headers, 'accept', 'application/json');
    if (params.auth) {
      const auth = params.auth;
      if (auth.bearer !== undefined) {
        headers.authorization = `Bearer ${typeof auth.bearer === 'function' ? auth.bearer() : auth.bearer}`;
      } else {
        const user = auth.user !== undefined ? auth.user : auth.username;
        const pass = auth.pass !== undefined ? auth.pass : auth.password;
        headers.authorization = `Basic ${host.base64Encode(rt.utf8Encode(`${user || ''}:${pass || ''}`), false)}`;
      }
    }
    const pairs = [];
    const names = ObjectKeys(headers);
    for (let i = 0; i < names.length; i++) {
      if (headers[names[i]] !== undefined && headers[names[i]] !== null) ArrayPrototypePush(pairs, [names[i], `${headers[names[i]]}`]);
    }
    const requestInfo = { uri: parsed, method, headers };
    try {
      return rt.httpStart({ method, url: parsed.href, headers: pairs, body, timeoutMs: params.timeout > 0 ? params.timeout : undefined }, {
        resolve(raw) {
          const responseHeaders = rt.headerObject(raw.headers);
          let responseBody;
          if (params.encoding === null) responseBody = rt.Buffer.from(raw.body);
          else responseBody = rt.decodeBytes(raw.body, params.encoding === undefined ? 'utf8' : rt.normaliseEncoding(params.encoding));
          if (params.json && typeof responseBody === 'string') {
            try {
              responseBody = JSONParse(responseBody);
            } catch {
              // request leaves a body that is not JSON as text
            }
          }
          const response = {
            statusCode: raw.status,
            statusMessage: raw.statusText,
            headers: responseHeaders,
            body: responseBody,
            request: requestInfo,
            toJSON() {
              return { statusCode: this.statusCode, body: this.body, headers: this.headers, request: { uri: parsed, method, headers } };
            },
          };
          p.ObjectDefineProperty(response, 'toJSON', { enumerable: false });
          done(null, response, responseBody);
        },
        reject(message) {
          const timedOut = p.StringPrototypeStartsWith(message, 'the request timed out');
          const err = new p.Error(timedOut ? 'ETIMEDOUT' : message);
          err.code = timedOut ? 'ETIMEDOUT' : 'ECONNREFUSED';
          if (timedOut) err.connect = false;
          done(err);
        },
      });
    } catch (e) {
      done(e);
      return () => {};
    }
  }

  // The object request() returns: enough of the Request stream for
  // scripts that listen for 'response', 'error' or 'complete', or abort.
  function request(uri, options, callback) {
    const params = normalise(uri, options, callback);
    const emitter = new rt.EventEmitter();
    let aborted = false;
    const cancel = perform(params, (err, response, body) => {
      if (aborted) return;
      if (err) {
        if (typeof params.callback === 'function') params.callback(err);
        else if (emitter.listenerCount('error') > 0) emitter.emit('error', err);
        return;
      }
      emitter.emit('response', response);
      if (typeof params.callback === 'function') params.callback(null, response, body);
      emitter.emit('complete', response, body);
    });
    emitter.abort = () => {
      aborted = true;
      cancel();
    };
    emitter.pipe = () => {
      throw new p.Error("request(...).pipe() is not supported by actionbox's emulation of request: use the callback");
    };
    return emitter;
  }
  function withMethod(base, method) {
    return (uri, options, callback) => {
      const params = normalise(uri, options, callback);
      params.method = method;
      return base(params);
    };
  }
  function decorate(base, makeDefaults) {
    base.get = withMethod(base, 'GET');
    base.head = withMethod(base, 'HEAD');
    base.options = withMethod(base, 'OPTIONS');
    base.post = withMethod(base, 'POST');
    base.put = withMethod(base, 'PUT');
    base.patch = withMethod(base, 'PATCH');
    base.del = withMethod(base, 'DELETE');
    base.delete = withMethod(base, 'DELETE');
    base.defaults = makeDefaults;
    base.jar = () => ({ setCookie() {}, getCookieString() { return ''; } });
    base.cookie = (text) => text;
    return base;
  }
  function requestDefaults(defaults) {
    const wrapped = (uri, options, callback) => {
      const params = normalise(uri, options, callback);
      return request({ ...defaults, ...params, headers: { ...(defaults.headers || {}), ...(params.headers || {}) } });
    };
    return decorate(wrapped, (more) => requestDefaults({ ...defaults, ...more }));
  }
  decorate(request, requestDefaults);

  // request-promise: the body (or, with resolveWithFullResponse, the
  // response); non-2xx rejects with StatusCodeError unless simple: false.
  function requestPromise(uri, options) {
    const params = normalise(uri, options);
    return new Promise((resolve, reject) => {
      perform(params, (err, response, body) => {
        if (err) {
          reject(new RequestError(err, params, response));
          return;
        }
        const simple = params.simple !== false;
        const ok = response.statusCode >= 200 && response.statusCode < 300;
        if (simple && !ok) {
          reject(new StatusCodeError(response.statusCode, body, params, response));
          return;
        }
        let value = params.resolveWithFullResponse ? response : body;
        if (typeof params.transform === 'function') value = params.transform(body, response, !!params.resolveWithFullResponse);
        resolve(value);
      });
    });
  }
  function rpDefaults(defaults) {
    const wrapped = (uri, options) => {
      const params = normalise(uri, options);
      return requestPromise({ ...defaults, ...params, headers: { ...(defaults.headers || {}), ...(params.headers || {}) } });
    };
    return decorate(wrapped, (more) => rpDefaults({ ...defaults, ...more }));
  }
  decorate(requestPromise, rpDefaults);
  requestPromise.errors = { RequestError, StatusCodeError };

  rt.request = request;
  rt.requestPromise = requestPromise;
})
