// WHATWG URL and URLSearchParams. Parsing and every setter are the Rust
// `url` crate's (host.urlParse / host.urlSet); this file only gives them
// Node's shape, including the live link between `url.search` and
// `url.searchParams`.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectDefineProperty, ArrayPrototypePush, ArrayPrototypeSplice, ArrayPrototypeJoin, TypeError, SymbolIterator } = p;

  const HREF = 0, PROTOCOL = 1, USERNAME = 2, PASSWORD = 3, HOST = 4, HOSTNAME = 5, PORT = 6,
    PATHNAME = 7, SEARCH = 8, HASH = 9, ORIGIN = 10;

  const kParts = p.Symbol('parts');
  const kList = p.Symbol('list');
  const kUrl = p.Symbol('url');

  function toUSVString(value) {
    return p.String(value);
  }

  function invalidThis() {
    return new TypeError('Value of "this" must be of type URLSearchParams');
  }

  class URLSearchParams {
    constructor(init = undefined) {
      this[kList] = [];
      this[kUrl] = null;
      if (init === undefined || init === null) return;
      if (typeof init === 'object' || typeof init === 'function') {
        if (init instanceof URLSearchParams) {
          const list = init[kList];
          for (let i = 0; i < list.length; i++) ArrayPrototypePush(this[kList], list[i]);
          return;
        }
        const iterator = init[SymbolIterator];
        if (typeof iterator === 'function') {
          for (const pair of init) {
            const entry = [];
            for (const item of pair) ArrayPrototypePush(entry, item);
            if (entry.length !== 2) {
              const err = new TypeError('Each query pair must be an iterable [name, value] tuple');
              err.code = 'ERR_INVALID_TUPLE';
              throw err;
            }
            ArrayPrototypePush(this[kList], toUSVString(entry[0]), toUSVString(entry[1]));
          }
          return;
        }
        const keys = p.ReflectOwnKeys(init);
        for (let i = 0; i < keys.length; i++) {
          const key = keys[i];
          if (typeof key !== 'string') continue;
          const desc = p.ReflectGetOwnPropertyDescriptor(init, key);
          if (desc !== undefined && desc.enumerable) {
            ArrayPrototypePush(this[kList], key, toUSVString(init[key]));
          }
        }
        return;
      }
      const text = toUSVString(init);
      const flat = host.formParse(text);
      for (let i = 0; i < flat.length; i++) ArrayPrototypePush(this[kList], flat[i]);
    }

    get size() { return this[kList].length / 2; }

    append(name, value) {
      if (arguments.length < 2) throw missingArgs('name', 'value');
      ArrayPrototypePush(this[kList], toUSVString(name), toUSVString(value));
      update(this);
    }

    delete(name, value = undefined) {
      if (arguments.length < 1) throw missingArgs('name');
      const list = this[kList];
      name = toUSVString(name);
      const match = value === undefined ? null : toUSVString(value);
      for (let i = 0; i < list.length;) {
        if (list[i] === name && (match === null || list[i + 1] === match)) ArrayPrototypeSplice(list, i, 2);
        else i += 2;
      }
      update(this);
    }

    get(name) {
      if (arguments.length < 1) throw missingArgs('name');
      const list = this[kList];
      name = toUSVString(name);
      for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
      return null;
    }

    getAll(name) {
      if (arguments.length < 1) throw missingArgs('name');
      const list = this[kList];
      const out = [];
      name = toUSVString(name);
      for (let i = 0; i < list.length; i += 2) if (list[i] === name) ArrayPrototypePush(out, list[i + 1]);
      return out;
    }

    has(name, value = undefined) {
      if (arguments.length < 1) throw missingArgs('name');
      const list = this[kList];
      name = toUSVString(name);
      const match = value === undefined ? null : toUSVString(value);
      for (let i = 0; i < list.length; i += 2) {
        if (list[i] === name && (match === null || list[i + 1] === match)) return true;
      }
      return false;
    }

    set(name, value) {
      if (arguments.length < 2) throw missingArgs('name', 'value');
      const list = this[kList];
      name = toUSVString(name);
      value = toUSVString(value);
      let found = false;
      for (let i = 0; i < list.length;) {
        if (list[i] === name) {
          if (!found) {
            list[i + 1] = value;
            found = true;
            i += 2;
          } else {
            ArrayPrototypeSplice(list, i, 2);
          }
        } else {
          i += 2;
        }
      }
      if (!found) ArrayPrototypePush(list, name, value);
      update(this);
    }

    sort() {
      const list = this[kList];
      const pairs = [];
      for (let i = 0; i < list.length; i += 2) ArrayPrototypePush(pairs, [list[i], list[i + 1]]);
      // A stable sort by UTF-16 code units, as the spec requires.
      for (let i = 1; i < pairs.length; i++) {
        const current = pairs[i];
        let j = i - 1;
        while (j >= 0 && pairs[j][0] > current[0]) {
          pairs[j + 1] = pairs[j];
          j--;
        }
        pairs[j + 1] = current;
      }
      list.length = 0;
      for (let i = 0; i < pairs.length; i++) ArrayPrototypePush(list, pairs[i][0], pairs[i][1]);
      update(this);
    }

    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') {
        const err = new TypeError(`The "callback" argument must be of type function. Received ${rt.describeReceived(callback)}`);
        err.code = 'ERR_INVALID_ARG_TYPE';
        throw err;
      }
      const list = this[kList];
      for (let i = 0; i < list.length; i += 2) p.ReflectApply(callback, thisArg, [list[i + 1], list[i], this]);
    }

    *entries() {
      const list = this[kList];
      for (let i = 0; i < list.length; i += 2) yield [list[i], list[i + 1]];
    }

    *keys() {
      const list = this[kList];
      for (let i = 0; i < list.length; i += 2) yield list[i];
    }

    *values() {
      const list = this[kList];
      for (let i = 0; i < list.length; i += 2) yield list[i + 1];
    }

    [SymbolIterator]() { return this.entries(); }

    toString() {
      if (this === null || typeof this !== 'object' || !(kList in this)) throw invalidThis();
      return host.formSerialize(this[kList]);
    }

    [p.SymbolFor('nodejs.util.inspect.custom')](depth, options) {
      const list = this[kList];
      if (list.length === 0) return 'URLSearchParams {}';
      const parts = [];
      for (let i = 0; i < list.length; i += 2) {
        ArrayPrototypePush(parts, `${rt.inspect(list[i])} => ${rt.inspect(list[i + 1])}`);
      }
      return `URLSearchParams { ${ArrayPrototypeJoin(parts, ', ')} }`;
    }
  }
  ObjectDefineProperty(URLSearchParams.prototype, p.SymbolToStringTag, { value: 'URLSearchParams', configurable: true });

  function missingArgs(...names) {
    let quoted = '';
    for (let i = 0; i < names.length; i++) quoted += `${i === 0 ? '' : ' and '}"${names[i]}"`;
    const err = new TypeError(`The ${quoted} argument${names.length > 1 ? 's' : ''} must be specified`);
    err.code = 'ERR_MISSING_ARGS';
    return err;
  }

  // A URLSearchParams owned by a URL writes its serialisation back.
  function update(params) {
    const url = params[kUrl];
    if (url === null) return;
    const query = host.formSerialize(params[kList]);
    url[kParts] = host.urlSet(url[kParts][HREF], 'search', query === '' ? '' : '?' + query);
    if (query === '') {
      // An empty query leaves "?" out entirely, as Node does.
      url[kParts] = host.urlSet(url[kParts][HREF], 'search', '');
    }
  }

  function refreshParams(url) {
    const params = url[kSearchParams];
    if (params === undefined) return;
    const list = params[kList];
    list.length = 0;
    const flat = host.formParse(url[kParts][SEARCH]);
    for (let i = 0; i < flat.length; i++) ArrayPrototypePush(list, flat[i]);
  }

  const kSearchParams = p.Symbol('searchParams');

  class URL {
    constructor(input, base = undefined) {
      if (arguments.length === 0) {
        const err = new TypeError('The "url" argument must be specified');
        err.code = 'ERR_MISSING_ARGS';
        throw err;
      }
      input = toUSVString(input);
      if (base !== undefined) base = toUSVString(base);
      this[kParts] = host.urlParse(input, base);
    }

    static canParse(input, base = undefined) {
      try {
        host.urlParse(toUSVString(input), base === undefined ? undefined : toUSVString(base));
        return true;
      } catch {
        return false;
      }
    }

    get href() { return this[kParts][HREF]; }
    set href(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'href', toUSVString(value)); refreshParams(this); }
    get origin() { return this[kParts][ORIGIN]; }
    get protocol() { return this[kParts][PROTOCOL]; }
    set protocol(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'protocol', toUSVString(value)); }
    get username() { return this[kParts][USERNAME]; }
    set username(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'username', toUSVString(value)); }
    get password() { return this[kParts][PASSWORD]; }
    set password(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'password', toUSVString(value)); }
    get host() { return this[kParts][HOST]; }
    set host(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'host', toUSVString(value)); }
    get hostname() { return this[kParts][HOSTNAME]; }
    set hostname(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'hostname', toUSVString(value)); }
    get port() { return this[kParts][PORT]; }
    set port(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'port', toUSVString(value)); }
    get pathname() { return this[kParts][PATHNAME]; }
    set pathname(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'pathname', toUSVString(value)); }
    get search() { return this[kParts][SEARCH]; }
    set search(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'search', toUSVString(value)); refreshParams(this); }
    get hash() { return this[kParts][HASH]; }
    set hash(value) { this[kParts] = host.urlSet(this[kParts][HREF], 'hash', toUSVString(value)); }
    get searchParams() {
      let params = this[kSearchParams];
      if (params === undefined) {
        params = new URLSearchParams(this[kParts][SEARCH]);
        params[kUrl] = this;
        this[kSearchParams] = params;
      }
      return params;
    }
    toString() { return this[kParts][HREF]; }
    toJSON() { return this[kParts][HREF]; }

    [p.SymbolFor('nodejs.util.inspect.custom')]() {
      const parts = this[kParts];
      const lines = [
        `  href: ${rt.inspect(parts[HREF])}`,
        `  origin: ${rt.inspect(parts[ORIGIN])}`,
        `  protocol: ${rt.inspect(parts[PROTOCOL])}`,
        `  username: ${rt.inspect(parts[USERNAME])}`,
        `  password: ${rt.inspect(parts[PASSWORD])}`,
        `  host: ${rt.inspect(parts[HOST])}`,
        `  hostname: ${rt.inspect(parts[HOSTNAME])}`,
        `  port: ${rt.inspect(parts[PORT])}`,
        `  pathname: ${rt.inspect(parts[PATHNAME])}`,
        `  search: ${rt.inspect(parts[SEARCH])}`,
        `  searchParams: ${rt.inspect(this.searchParams)}`,
        `  hash: ${rt.inspect(parts[HASH])}`,
      ];
      return `URL {\n${ArrayPrototypeJoin(lines, ',\n')}\n}`;
    }
  }
  ObjectDefineProperty(URL.prototype, p.SymbolToStringTag, { value: 'URL', configurable: true });
  // (Indexed: a script may have replaced the array iterator by now.)
  const ENUMERABLE = ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port',
    'pathname', 'search', 'searchParams', 'hash', 'toString', 'toJSON'];
  for (let k = 0; k < ENUMERABLE.length; k++) {
    const name = ENUMERABLE[k];
    // Without a prototype before it is written to (docs/security.md,
    // hazard 8).
    const desc = p.ObjectSetPrototypeOf(p.ObjectGetOwnPropertyDescriptor(URL.prototype, name), null);
    desc.enumerable = true;
    ObjectDefineProperty(URL.prototype, name, desc);
  }

  rt.URL = URL;
  rt.URLSearchParams = URLSearchParams;
  rt.globals.URL = URL;
  rt.globals.URLSearchParams = URLSearchParams;
})
