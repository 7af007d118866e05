// The url module: WHATWG URL/URLSearchParams (from url.js) plus the legacy
// url.parse/format/resolve that many Rules still call. parse and format
// follow the algorithm of Node's lib/url.js; resolve uses the WHATWG
// resolution Node's documentation recommends in its place.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const {
    StringPrototypeSlice, StringPrototypeIndexOf, StringPrototypeToLowerCase, StringPrototypeCharCodeAt,
    StringPrototypeReplace, StringPrototypeStartsWith, StringPrototypeEndsWith, RegExpPrototypeExec, RegExpPrototypeTest,
    TypeError, encodeURIComponent, decodeURIComponent,
  } = p;
  rt.load('node/querystring');
  const querystring = rt.querystring;
  const { URL, URLSearchParams } = rt;

  // The field order Node's Url objects print in.
  function Url() {
    this.protocol = null;
    this.slashes = null;
    this.auth = null;
    this.host = null;
    this.port = null;
    this.hostname = null;
    this.hash = null;
    this.search = null;
    this.query = null;
    this.pathname = null;
    this.path = null;
    this.href = null;
  }

  const protocolPattern = /^[a-z0-9.+-]+:/i;
  const portPattern = /:[0-9]*$/;
  const hostPattern = /^\/\/[^@/]+@[^@/]+/;
  const simplePathPattern = /^(\/\/?(?!\/)[^?\s]*)(\?[^\s]*)?$/;
  const hostnameMaxLen = 255;
  const unsafeProtocol = { javascript: true, 'javascript:': true };
  const hostlessProtocol = { javascript: true, 'javascript:': true };
  const slashedProtocol = {
    http: true, 'http:': true, https: true, 'https:': true, ftp: true, 'ftp:': true,
    gopher: true, 'gopher:': true, file: true, 'file:': true, ws: true, 'ws:': true, wss: true, 'wss:': true,
  };
  // Characters never part of a host.
  const nonHostChars = { __proto__: null };
  const NON_HOST = ['\t', '\n', '\r', ' ', '"', '%', '\'', ';', '<', '>', '\\', '^', '`', '{', '|', '}'];
  // (Indexed: a script may have replaced the array iterator by now.)
  for (let k = 0; k < NON_HOST.length; k++) nonHostChars[NON_HOST[k]] = true;
  const autoEscape = { '\t': '%09', '\n': '%0A', '\r': '%0D', ' ': '%20', '"': '%22', '\'': '%27', '<': '%3C', '>': '%3E', '\\': '%5C', '^': '%5E', '`': '%60', '{': '%7B', '|': '%7C', '}': '%7D' };

  const invalidArg = rt.invalidArgType;

  function parse(url, parseQueryString = false, slashesDenoteHost = false) {
    if (url instanceof Url) return url;
    if (typeof url !== 'string') throw invalidArg('url', 'of type string', url);
    const out = new Url();
    out.parse(url, parseQueryString, slashesDenoteHost);
    return out;
  }

  Url.prototype.parse = function (url, parseQueryString, slashesDenoteHost) {
    // Backslashes before the query or fragment become slashes, as
    // browsers do; surrounding whitespace and control characters go.
    let split = url.length;
    for (let i = 0; i < url.length; i++) {
      if (url[i] === '?' || url[i] === '#') {
        split = i;
        break;
      }
    }
    const hasHash = StringPrototypeIndexOf(url, '#') !== -1;
    let rest = StringPrototypeReplace(StringPrototypeSlice(url, 0, split), /\\/g, '/') + StringPrototypeSlice(url, split);
    rest = StringPrototypeReplace(rest, /^[\x00-\x20\u00a0\ufeff]+|[\x00-\x20\u00a0\ufeff]+$/g, '');

    if (!slashesDenoteHost && !hasHash) {
      const simplePath = RegExpPrototypeExec(simplePathPattern, rest);
      if (simplePath) {
        this.path = rest;
        this.href = rest;
        this.pathname = simplePath[1];
        if (simplePath[2]) {
          this.search = simplePath[2];
          this.query = parseQueryString ? querystring.parse(StringPrototypeSlice(this.search, 1)) : StringPrototypeSlice(this.search, 1);
        } else if (parseQueryString) {
          this.search = null;
          this.query = { __proto__: null };
        }
        return this;
      }
    }

    let proto = RegExpPrototypeExec(protocolPattern, rest);
    let lowerProto;
    if (proto) {
      proto = proto[0];
      lowerProto = StringPrototypeToLowerCase(proto);
      this.protocol = lowerProto;
      rest = StringPrototypeSlice(rest, proto.length);
    }

    let slashes;
    if (slashesDenoteHost || proto || RegExpPrototypeTest(hostPattern, rest)) {
      slashes = StringPrototypeStartsWith(rest, '//');
      if (slashes && !(proto && hostlessProtocol[lowerProto])) {
        rest = StringPrototypeSlice(rest, 2);
        this.slashes = true;
      }
    }

    if (!hostlessProtocol[lowerProto] && (slashes || (proto && !slashedProtocol[proto]))) {
      // The host ends at the first '/', '?' or '#'; it cannot contain
      // characters RFC 2396 forbids; the last '@' before its end ends auth.
      let hostEnd = -1;
      let atSign = -1;
      let nonHost = -1;
      for (let i = 0; i < rest.length && hostEnd === -1; i++) {
        const ch = rest[i];
        if (ch === '#' || ch === '/' || ch === '?') {
          if (nonHost === -1) nonHost = i;
          hostEnd = i;
        } else if (ch === '@') {
          atSign = i;
          nonHost = -1;
        } else if (nonHostChars[ch] === true && nonHost === -1) {
          nonHost = i;
        }
      }
      let start = 0;
      if (atSign !== -1) {
        this.auth = decodeURIComponent(StringPrototypeSlice(rest, 0, atSign));
        start = atSign + 1;
      }
      if (nonHost === -1) {
        this.host = StringPrototypeSlice(rest, start);
        rest = '';
      } else {
        this.host = StringPrototypeSlice(rest, start, nonHost);
        rest = StringPrototypeSlice(rest, nonHost);
      }
      this.parseHost();
      if (typeof this.hostname !== 'string') this.hostname = '';
      const hostname = this.hostname;
      const ipv6Hostname = StringPrototypeStartsWith(hostname, '[') && StringPrototypeEndsWith(hostname, ']');
      if (!ipv6Hostname) {
        for (let i = 0; i < hostname.length; i++) {
          const ch = hostname[i];
          if (ch === '/' || ch === '\\' || ch === '#' || ch === '?' || ch === ':') {
            this.hostname = StringPrototypeSlice(hostname, 0, i);
            rest = `/${StringPrototypeSlice(hostname, i)}${rest}`;
            break;
          }
        }
      }
      if (this.hostname.length > hostnameMaxLen) this.hostname = '';
      else this.hostname = StringPrototypeToLowerCase(this.hostname);
      if (!ipv6Hostname && this.hostname !== '' && RegExpPrototypeTest(/[^\x00-\x7f]/, this.hostname)) {
        try {
          this.hostname = new URL(`http://${this.hostname}`).hostname;
        } catch {
          this.hostname = '';
        }
      }
      const port = this.port ? ':' + this.port : '';
      this.host = this.hostname + port;
      if (ipv6Hostname) {
        this.hostname = StringPrototypeSlice(this.hostname, 1, -1);
        if (rest[0] !== '/') rest = '/' + rest;
      }
    }

    if (!unsafeProtocol[lowerProto]) {
      let escaped = '';
      for (let i = 0; i < rest.length; i++) {
        const ch = rest[i];
        escaped += autoEscape[ch] !== undefined ? autoEscape[ch] : ch;
      }
      rest = escaped;
    }

    const hash = StringPrototypeIndexOf(rest, '#');
    if (hash !== -1) {
      this.hash = StringPrototypeSlice(rest, hash);
      rest = StringPrototypeSlice(rest, 0, hash);
    }
    const qm = StringPrototypeIndexOf(rest, '?');
    if (qm !== -1) {
      this.search = StringPrototypeSlice(rest, qm);
      this.query = StringPrototypeSlice(rest, qm + 1);
      if (parseQueryString) this.query = querystring.parse(this.query);
      rest = StringPrototypeSlice(rest, 0, qm);
    } else if (parseQueryString) {
      this.search = null;
      this.query = { __proto__: null };
    }
    if (rest.length > 0) this.pathname = rest;
    else if (slashedProtocol[lowerProto] && this.hostname) this.pathname = '/';
    if (this.pathname || this.search) {
      this.path = (this.pathname || '') + (this.search || '');
    }
    this.href = this.format();
    return this;
  };

  Url.prototype.parseHost = function () {
    let hostText = this.host;
    const port = RegExpPrototypeExec(portPattern, hostText);
    if (port) {
      const text = port[0];
      if (text !== ':') this.port = StringPrototypeSlice(text, 1);
      hostText = StringPrototypeSlice(hostText, 0, hostText.length - text.length);
    }
    if (hostText) this.hostname = hostText;
  };

  Url.prototype.format = function () {
    let auth = this.auth || '';
    if (auth) {
      auth = StringPrototypeReplace(encodeURIComponent(auth), /%3A/i, ':') + '@';
    }
    let protocol = this.protocol || '';
    let pathname = this.pathname || '';
    let hash = this.hash || '';
    let hostText = '';
    let query = '';
    if (this.host) {
      hostText = auth + this.host;
    } else if (this.hostname) {
      const name = this.hostname;
      hostText = auth + (StringPrototypeIndexOf(name, ':') !== -1 && name[0] !== '[' ? `[${name}]` : name);
      if (this.port) hostText += ':' + this.port;
    }
    if (this.query !== null && typeof this.query === 'object') query = querystring.stringify(this.query);
    let search = this.search || (query && ('?' + query)) || '';
    if (protocol && StringPrototypeCharCodeAt(protocol, protocol.length - 1) !== 58) protocol += ':';
    pathname = StringPrototypeReplace(StringPrototypeReplace(pathname, /#/g, '%23'), /\?/g, '%3F');
    if (this.slashes || slashedProtocol[protocol]) {
      if (this.slashes || hostText) {
        if (pathname && pathname[0] !== '/') pathname = '/' + pathname;
        hostText = '//' + hostText;
      } else if (protocol.length >= 4 && StringPrototypeStartsWith(protocol, 'file')) {
        hostText = '//';
      }
    }
    search = StringPrototypeReplace(search, /#/g, '%23');
    if (hash && hash[0] !== '#') hash = '#' + hash;
    if (search && search[0] !== '?') search = '?' + search;
    return protocol + hostText + pathname + search + hash;
  };

  Url.prototype.resolve = function (relative) {
    return resolve(this.format(), relative);
  };

  function format(urlObject, options) {
    if (typeof urlObject === 'string') {
      urlObject = parse(urlObject);
    } else if (urlObject instanceof URL) {
      const opts = options || {};
      const target = new URL(urlObject.href);
      if (opts.auth === false) {
        target.username = '';
        target.password = '';
      }
      if (opts.fragment === false) target.hash = '';
      if (opts.search === false) target.search = '';
      return target.href;
    } else if (typeof urlObject !== 'object' || urlObject === null) {
      throw invalidArg('urlObject', 'one of type object or string', urlObject);
    }
    return p.ReflectApply(Url.prototype.format, urlObject, []);
  }

  function resolve(from, to) {
    const resolved = new URL(to, new URL(from, 'resolve://'));
    if (resolved.protocol === 'resolve:') {
      const { pathname, search, hash } = resolved;
      // A relative `from` stays relative.
      return (StringPrototypeStartsWith(from, '/') ? pathname : StringPrototypeSlice(pathname, 1)) + search + hash;
    }
    return resolved.toString();
  }

  function fileURLToPath(path) {
    const url = typeof path === 'string' ? new URL(path) : path;
    if (!(url instanceof URL)) throw invalidArg('path', 'of type string or an instance of URL', path);
    if (url.protocol !== 'file:') {
      const err = new TypeError('The URL must be of scheme file');
      err.code = 'ERR_INVALID_URL_SCHEME';
      throw err;
    }
    return decodeURIComponent(url.pathname);
  }
  // As Node: '%' and control characters are escaped first, then the URL's
  // pathname setter escapes the rest ('#', '?', spaces).
  function pathToFileURL(path) {
    rt.load('node/path');
    let resolved = rt.path.resolve(`${path}`);
    if (StringPrototypeEndsWith(`${path}`, '/') && !StringPrototypeEndsWith(resolved, '/')) resolved += '/';
    const escaped = StringPrototypeReplace(resolved, /[%\n\r\t]/g, (ch) => ({ '%': '%25', '\n': '%0A', '\r': '%0D', '\t': '%09' })[ch]);
    const out = new URL('file://');
    out.pathname = escaped;
    return out;
  }
  function urlToHttpOptions(url) {
    const options = {
      protocol: url.protocol,
      hostname: StringPrototypeStartsWith(url.hostname, '[') ? StringPrototypeSlice(url.hostname, 1, -1) : url.hostname,
      hash: url.hash,
      search: url.search,
      pathname: url.pathname,
      path: `${url.pathname || ''}${url.search || ''}`,
      href: url.href,
    };
    if (url.port !== '') options.port = +url.port;
    if (url.username || url.password) options.auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    return options;
  }
  function domainToASCII(domain) {
    try {
      return new URL(`ws://${domain}`).hostname;
    } catch {
      return '';
    }
  }

  rt.urlModule = {
    URL, URLSearchParams, Url, parse, format, resolve,
    resolveObject(from, to) { return parse(resolve(from, to)); },
    fileURLToPath, pathToFileURL, urlToHttpOptions, domainToASCII,
    domainToUnicode(domain) { return `${domain}`; },
  };
})
