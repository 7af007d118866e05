// The axios package: axios(config), axios(url, config), the method
// shortcuts, create(), defaults, interceptors, AxiosError with axios's
// codes and messages, on top of the host's HTTP (see node/fetch.js).
// What it does not emulate (adapters, upload/download progress, proxies,
// transformRequest/transformResponse) fails with a clear error.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectKeys, ArrayIsArray, ArrayPrototypePush, ArrayPrototypeJoin, ArrayPrototypeIncludes, StringPrototypeToLowerCase, JSONStringify, JSONParse, Promise } = p;
  const HEADER_LAYERS = ['common', 'get', 'post', 'put', 'patch', 'delete', 'head', 'options'];
  rt.load('node/fetch');
  rt.load('node/buffer');

  const VERSION = '1.7.9';

  class AxiosError extends p.Error {
    constructor(message, code, config, request, response) {
      super(message);
      this.code = code;
      this.config = config;
      this.request = request;
      this.response = response;
      this.status = response ? response.status : undefined;
      this.isAxiosError = true;
    }
    get name() { return 'AxiosError'; }
    toJSON() {
      return {
        message: this.message, name: this.name, code: this.code, status: this.status,
        config: this.config, stack: this.stack,
      };
    }
  }
  // (Loops over the runtime's own arrays index them: a script may have
  // replaced the array iterator before this file loaded.)
  const CODES = ['ERR_BAD_OPTION_VALUE', 'ERR_BAD_OPTION', 'ECONNABORTED', 'ETIMEDOUT', 'ERR_NETWORK',
    'ERR_FR_TOO_MANY_REDIRECTS', 'ERR_DEPRECATED', 'ERR_BAD_RESPONSE', 'ERR_BAD_REQUEST', 'ERR_CANCELED',
    'ERR_NOT_SUPPORT', 'ERR_INVALID_URL'];
  for (let k = 0; k < CODES.length; k++) AxiosError[CODES[k]] = CODES[k];
  class CanceledError extends AxiosError {
    constructor(message, config, request) {
      super(message === undefined || message === null ? 'canceled' : message, 'ERR_CANCELED', config, request);
      this.__CANCEL__ = true;
    }
    get name() { return 'CanceledError'; }
  }

  const UNSUPPORTED = ['adapter', 'onUploadProgress', 'onDownloadProgress', 'proxy', 'httpAgent', 'httpsAgent',
    'transformRequest', 'transformResponse', 'socketPath', 'transport', 'beforeRedirect', 'lookup'];

  function isPlainObject(value) {
    if (value === null || typeof value !== 'object') return false;
    const proto = p.ObjectGetPrototypeOf(value);
    return proto === null || proto === p.Object.prototype;
  }

  function merge(...sources) {
    const out = {};
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i];
      if (source === undefined || source === null) continue;
      const keys = ObjectKeys(source);
      for (let j = 0; j < keys.length; j++) {
        const key = keys[j];
        const value = source[key];
        if (value === undefined) continue;
        out[key] = isPlainObject(value) && isPlainObject(out[key]) ? merge(out[key], value) : isPlainObject(value) ? merge(value) : value;
      }
    }
    return out;
  }

  // axios's default params serializer: arrays as key[]=v, dates as ISO
  // strings, objects as JSON, encoded like axios (brackets, ':', '$', ','
  // and spaces as '+' left readable).
  function encode(value) {
    return p.StringPrototypeReplace(p.encodeURIComponent(value), /%3A|%24|%2C|%20|%5B|%5D/gi, (match) => ({
      '%3a': ':', '%24': '$', '%2c': ',', '%20': '+', '%5b': '[', '%5d': ']',
    })[StringPrototypeToLowerCase(match)]);
  }
  function serializeParams(params) {
    if (params instanceof rt.URLSearchParams) return `${params}`;
    const parts = [];
    const keys = ObjectKeys(params);
    for (let i = 0; i < keys.length; i++) {
      let key = keys[i];
      let value = params[key];
      if (value === null || value === undefined) continue;
      let values = value;
      if (ArrayIsArray(value)) key += '[]';
      else values = [value];
      for (let j = 0; j < values.length; j++) {
        let v = values[j];
        if (v === null || v === undefined) continue;
        if (v instanceof p.Date) v = p.DatePrototypeToISOString(v);
        else if (typeof v === 'object') v = JSONStringify(v);
        ArrayPrototypePush(parts, `${encode(key)}=${encode(`${v}`)}`);
      }
    }
    return ArrayPrototypeJoin(parts, '&');
  }

  function buildURL(config) {
    let url = config.url === undefined ? '' : `${config.url}`;
    if (config.baseURL && !p.RegExpPrototypeTest(/^([a-z][a-z\d+\-.]*:)?\/\//i, url)) {
      url = url ? `${p.StringPrototypeReplace(config.baseURL, /\/?\/$/, '')}/${p.StringPrototypeReplace(url, /^\/+/, '')}` : config.baseURL;
    }
    if (config.params !== undefined && config.params !== null) {
      const query = typeof config.paramsSerializer === 'function'
        ? config.paramsSerializer(config.params)
        : config.paramsSerializer && typeof config.paramsSerializer.serialize === 'function'
          ? config.paramsSerializer.serialize(config.params)
          : serializeParams(config.params);
      if (query) {
        const hash = p.StringPrototypeIndexOf(url, '#');
        if (hash !== -1) url = p.StringPrototypeSlice(url, 0, hash);
        url += (p.StringPrototypeIndexOf(url, '?') === -1 ? '?' : '&') + query;
      }
    }
    return url;
  }

  // Sets header `key` on `out`, replacing it whatever its letter case.
  function setHeader(out, key, value) {
    const existing = ObjectKeys(out);
    for (let j = 0; j < existing.length; j++) {
      if (StringPrototypeToLowerCase(existing[j]) === StringPrototypeToLowerCase(key)) delete out[existing[j]];
    }
    if (value !== undefined && value !== null && value !== false) out[key] = `${value}`;
  }
  // The request's own headers, without axios's per-method layers.
  function ownHeaders(headers) {
    const out = {};
    if (headers === undefined || headers === null) return out;
    const keys = ObjectKeys(headers);
    for (let i = 0; i < keys.length; i++) {
      const value = headers[keys[i]];
      if (ArrayPrototypeIncludes(HEADER_LAYERS, StringPrototypeToLowerCase(keys[i])) && isPlainObject(value)) continue;
      setHeader(out, keys[i], value);
    }
    return out;
  }
  // common, then the method's layer, then the request's own: later wins.
  function flattenHeaders(headers, method, own) {
    const out = {};
    const layers = [headers && headers.common, headers && headers[method], own];
    for (let k = 0; k < layers.length; k++) {
      const layer = layers[k];
      if (layer === undefined || layer === null) continue;
      const keys = ObjectKeys(layer);
      for (let i = 0; i < keys.length; i++) setHeader(out, keys[i], layer[keys[i]]);
    }
    return out;
  }

  function hasHeader(headers, name) {
    const keys = ObjectKeys(headers);
    for (let i = 0; i < keys.length; i++) if (StringPrototypeToLowerCase(keys[i]) === name) return true;
    return false;
  }

  // The request body and the content type axios gives it.
  function encodeData(data, headers) {
    if (data === undefined || data === null) return null;
    const setType = (type) => {
      if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = type;
    };
    // axios 1.x sends a string as it is, with no content type of its own.
    if (typeof data === 'string') return rt.utf8Encode(data);
    if (data instanceof rt.URLSearchParams) {
      setType('application/x-www-form-urlencoded;charset=utf-8');
      return rt.utf8Encode(`${data}`);
    }
    if (data instanceof p.Uint8Array) return data;
    if (p.ArrayBufferIsView(data)) return new p.Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (data instanceof p.ArrayBuffer) return new p.Uint8Array(data);
    // Spec FormData and Blob (node/blob.js), as axios 1.x sends them in Node.
    if (rt.FormData !== undefined && data instanceof rt.FormData) {
      const multipart = rt.multipartBody(data);
      const bytes = multipart[0], type = multipart[1];
      const names = ObjectKeys(headers);
      for (let i = 0; i < names.length; i++) if (StringPrototypeToLowerCase(names[i]) === 'content-type') delete headers[names[i]];
      headers['Content-Type'] = type;
      return bytes;
    }
    if (rt.Blob !== undefined && data instanceof rt.Blob) {
      if (data.type !== '') setType(data.type);
      return rt.blobBytes(data);
    }
    if (typeof data === 'object') {
      if (typeof data.pipe === 'function' || typeof data.getReader === 'function') {
        throw new AxiosError("streaming request bodies are not supported by actionbox's emulation of axios", 'ERR_NOT_SUPPORT');
      }
      let type = '';
      const names = ObjectKeys(headers);
      for (let i = 0; i < names.length; i++) if (StringPrototypeToLowerCase(names[i]) === 'content-type') type = headers[names[i]];
      if (p.StringPrototypeIncludes(type, 'application/x-www-form-urlencoded')) {
        return rt.utf8Encode(`${new rt.URLSearchParams(data)}`);
      }
      setType('application/json');
      return rt.utf8Encode(JSONStringify(data));
    }
    return rt.utf8Encode(`${data}`);
  }

  function responseData(bytes, config) {
    const type = config.responseType || 'json';
    if (type === 'arraybuffer') return rt.Buffer.from(bytes);
    if (type === 'stream') throw new AxiosError("responseType 'stream' is not supported by actionbox's emulation of axios", 'ERR_NOT_SUPPORT', config);
    const text = host.utf8Decode(bytes);
    if (type === 'text' || type === 'document') return text;
    // 'json' (the default): parsed when it parses, else the text.
    if (text === '') return text;
    try {
      return JSONParse(text);
    } catch (e) {
      if (config.transitional && config.transitional.silentJSONParsing === false) {
        throw new AxiosError(e.message, 'ERR_BAD_RESPONSE', config);
      }
      return text;
    }
  }

  function dispatch(config) {
    return new Promise((resolve, reject) => {
      for (let i = 0; i < UNSUPPORTED.length; i++) {
        if (config[UNSUPPORTED[i]] !== undefined && config[UNSUPPORTED[i]] !== null) {
          reject(new AxiosError(`the '${UNSUPPORTED[i]}' option is not supported by actionbox's emulation of axios`, 'ERR_NOT_SUPPORT', config));
          return;
        }
      }
      const method = StringPrototypeToLowerCase(config.method || 'get');
      // The data's content type goes on the request's own headers, so it
      // beats the method layer's default, as in axios.
      const own = ownHeaders(config.headers);
      let body;
      let url;
      let headers;
      try {
        body = encodeData(config.data, own);
        headers = flattenHeaders(config.headers, method, own);
        url = buildURL(config);
        url = new rt.URL(url).href;
      } catch (e) {
        reject(e instanceof AxiosError ? e : new AxiosError(`Invalid URL`, 'ERR_INVALID_URL', config));
        return;
      }
      if (body === null && hasHeader(headers, 'content-type') && (method === 'get' || method === 'head')) {
        // axios drops a content type that has no body.
        const keys = ObjectKeys(headers);
        for (let i = 0; i < keys.length; i++) if (StringPrototypeToLowerCase(keys[i]) === 'content-type') delete headers[keys[i]];
      }
      if (config.auth) {
        const user = config.auth.username || '';
        const pass = config.auth.password || '';
        headers.Authorization = `Basic ${host.base64Encode(rt.utf8Encode(`${user}:${pass}`), false)}`;
      }
      const pairs = [];
      const keys = ObjectKeys(headers);
      for (let i = 0; i < keys.length; i++) ArrayPrototypePush(pairs, [keys[i], headers[keys[i]]]);
      const request = { method: p.StringPrototypeToUpperCase(method), url, headers: pairs };
      const signal = config.signal;
      if (signal && signal.aborted) {
        reject(new CanceledError(null, config, request));
        return;
      }
      let settled = false;
      let cancel;
      const timeout = config.timeout > 0 ? config.timeout : undefined;
      try {
        cancel = rt.httpStart({ method: request.method, url, headers: pairs, body, timeoutMs: timeout }, {
          resolve(raw) {
            settled = true;
            const responseHeaders = rt.headerObject(raw.headers);
            let data;
            try {
              data = responseData(raw.body, config);
            } catch (e) {
              reject(e);
              return;
            }
            const response = { data, status: raw.status, statusText: raw.statusText, headers: responseHeaders, config, request };
            const validate = config.validateStatus === undefined ? (s) => s >= 200 && s < 300 : config.validateStatus;
            if (validate === null || validate(raw.status)) {
              resolve(response);
            } else {
              reject(new AxiosError(`Request failed with status code ${raw.status}`,
                raw.status >= 500 ? 'ERR_BAD_RESPONSE' : 'ERR_BAD_REQUEST', config, request, response));
            }
          },
          reject(message) {
            settled = true;
            if (p.StringPrototypeStartsWith(message, 'the request timed out')) {
              reject(new AxiosError(config.timeoutErrorMessage || `timeout of ${timeout}ms exceeded`,
                config.transitional && config.transitional.clarifyTimeoutError ? 'ETIMEDOUT' : 'ECONNABORTED', config, request));
            } else {
              reject(new AxiosError(message, 'ERR_NETWORK', config, request));
            }
          },
        });
      } catch (e) {
        reject(e);
        return;
      }
      if (signal && typeof signal.addEventListener === 'function') {
        signal.addEventListener('abort', () => {
          if (settled) return;
          settled = true;
          cancel();
          reject(new CanceledError(null, config, request));
        }, { once: true });
      }
      if (config.cancelToken && typeof config.cancelToken.promise === 'object') {
        p.PromisePrototypeThen(config.cancelToken.promise, (reason) => {
          if (settled) return;
          settled = true;
          cancel();
          reject(reason);
        });
      }
    });
  }

  class InterceptorManager {
    constructor() {
      this.handlers = [];
    }
    use(fulfilled, rejected) {
      ArrayPrototypePush(this.handlers, { fulfilled, rejected });
      return this.handlers.length - 1;
    }
    eject(id) {
      if (this.handlers[id]) this.handlers[id] = null;
    }
    clear() {
      this.handlers = [];
    }
    forEach(fn) {
      for (let i = 0; i < this.handlers.length; i++) if (this.handlers[i] !== null) fn(this.handlers[i]);
    }
  }

  function defaultConfig() {
    return {
      headers: {
        common: { Accept: 'application/json, text/plain, */*' },
        get: {}, head: {}, delete: {}, options: {}, post: {}, put: {}, patch: {},
      },
      timeout: 0,
      maxContentLength: -1,
      maxBodyLength: -1,
      xsrfCookieName: 'XSRF-TOKEN',
      xsrfHeaderName: 'X-XSRF-TOKEN',
      transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: false },
    };
  }

  function createInstance(defaults) {
    const state = { defaults, interceptors: { request: new InterceptorManager(), response: new InterceptorManager() } };
    function request(configOrUrl, config) {
      let cfg = config || {};
      if (typeof configOrUrl === 'string') cfg = merge(cfg, { url: configOrUrl });
      else cfg = configOrUrl || {};
      // An explicit content type on the method layer must not survive a
      // request whose data sets its own.
      const merged = merge(state.defaults, cfg);
      if (cfg.headers !== undefined) merged.headers = merge(state.defaults.headers, cfg.headers);
      merged.method = StringPrototypeToLowerCase(merged.method || 'get');
      let promise = Promise.resolve(merged);
      const chain = [];
      state.interceptors.request.forEach((h) => p.ArrayPrototypeUnshift(chain, h));
      for (let i = 0; i < chain.length; i++) promise = p.PromisePrototypeThen(promise, chain[i].fulfilled, chain[i].rejected);
      promise = p.PromisePrototypeThen(promise, dispatch);
      state.interceptors.response.forEach((h) => {
        promise = p.PromisePrototypeThen(promise, h.fulfilled, h.rejected);
      });
      return promise;
    }
    const instance = function axios(configOrUrl, config) {
      return request(configOrUrl, config);
    };
    instance.request = request;
    const WITHOUT_DATA = ['get', 'delete', 'head', 'options'];
    for (let k = 0; k < WITHOUT_DATA.length; k++) {
      const method = WITHOUT_DATA[k];
      instance[method] = (url, config) => request(merge(config || {}, { url, method }));
    }
    const WITH_DATA = ['post', 'put', 'patch'];
    for (let k = 0; k < WITH_DATA.length; k++) {
      const method = WITH_DATA[k];
      instance[method] = (url, data, config) => request({ ...(config || {}), url, method, data });
    }
    instance.defaults = defaults;
    instance.interceptors = state.interceptors;
    instance.getUri = (config) => buildURL(merge(defaults, config || {}));
    instance.create = (config) => createInstance(merge(defaults, config || {}));
    return instance;
  }

  const axios = createInstance(defaultConfig());
  axios.AxiosError = AxiosError;
  axios.CanceledError = CanceledError;
  axios.Cancel = CanceledError;
  axios.isCancel = (value) => !!(value && value.__CANCEL__);
  axios.isAxiosError = (value) => value !== null && typeof value === 'object' && value.isAxiosError === true;
  axios.all = (promises) => Promise.all(promises);
  axios.spread = (callback) => (array) => p.ReflectApply(callback, null, array);
  axios.VERSION = VERSION;
  axios.HttpStatusCode = { Ok: 200, Created: 201, NoContent: 204, BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404, Conflict: 409, TooManyRequests: 429, InternalServerError: 500 };
  axios.CancelToken = class CancelToken {
    constructor(executor) {
      let resolvePromise;
      this.promise = new Promise((resolve) => { resolvePromise = resolve; });
      executor((message) => {
        if (this.reason) return;
        this.reason = new CanceledError(message);
        resolvePromise(this.reason);
      });
    }
    throwIfRequested() {
      if (this.reason) throw this.reason;
    }
    static source() {
      let cancel;
      const token = new axios.CancelToken((c) => { cancel = c; });
      return { token, cancel };
    }
  };
  axios.toFormData = () => {
    throw new AxiosError("toFormData is not supported by actionbox's emulation of axios", 'ERR_NOT_SUPPORT');
  };
  axios.default = axios;
  rt.axios = axios;
})
