// Blob, File and FormData as Node 18+ gives them (undici's shapes), in
// JavaScript over bytes the isolate holds: no host function of their own
// (the multipart boundary's randomness is host.randomBytes, which crypto
// already uses). fetch, Request and Response accept them as bodies
// (node/fetch.js, through rt.blobBytes and rt.multipartBody).
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ArrayPrototypePush, TypeError, Uint8Array, SymbolIterator } = p;
  const inspectCustom = p.SymbolFor('nodejs.util.inspect.custom');
  rt.load('node/buffer');

  const kBytes = p.Symbol('bytes');
  const kType = p.Symbol('type');

  // The standard's type rule: ASCII printable only, lower-cased; else ''.
  function normaliseType(type) {
    const text = `${type}`;
    for (let i = 0; i < text.length; i++) {
      const code = p.StringPrototypeCharCodeAt(text, i);
      if (code < 0x20 || code > 0x7e) return '';
    }
    return p.StringPrototypeToLowerCase(text);
  }

  function concat(chunks, total) {
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < chunks.length; i++) {
      out.set(chunks[i], at);
      at += chunks[i].length;
    }
    return out;
  }

  // Blob parts: strings (UTF-8), ArrayBuffers, views and Blobs, in order.
  function partsToBytes(parts, endings, what) {
    // `what` names the argument in Node's messages: sources, fileBits.
    if (parts === undefined) return new Uint8Array(0);
    if (parts === null || typeof parts !== 'object' || typeof parts[SymbolIterator] !== 'function') {
      throw rt.invalidArgType(what, 'a sequence', parts);
    }
    const chunks = [];
    let total = 0;
    for (const part of parts) {
      let bytes;
      if (part instanceof Blob) {
        bytes = part[kBytes];
      } else if (part instanceof p.ArrayBuffer) {
        bytes = new Uint8Array(p.ReflectApply(p.ArrayBuffer.prototype.slice, part, [0]));
      } else if (p.ArrayBufferIsView(part)) {
        bytes = new Uint8Array(p.ReflectApply(p.ArrayBuffer.prototype.slice, part.buffer, [part.byteOffset, part.byteOffset + part.byteLength]));
      } else {
        let text = `${part}`;
        if (endings === 'native') text = p.StringPrototypeReplace(text, /\r?\n/g, '\n');
        bytes = rt.utf8Encode(text);
      }
      ArrayPrototypePush(chunks, bytes);
      total += bytes.length;
    }
    return concat(chunks, total);
  }

  function options(value) {
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' && typeof value !== 'function') {
      throw rt.invalidArgType('options', 'a dictionary', value);
    }
    return value;
  }

  class Blob {
    constructor(parts = undefined, opts = undefined) {
      const o = options(opts);
      const endings = o.endings === undefined ? 'transparent' : `${o.endings}`;
      if (endings !== 'transparent' && endings !== 'native') {
        const err = new TypeError(`The property 'options.endings' is invalid. Received ${rt.inspect(o.endings)}`);
        err.code = 'ERR_INVALID_ARG_VALUE';
        throw err;
      }
      this[kBytes] = partsToBytes(parts, endings, this instanceof File ? 'fileBits' : 'sources');
      this[kType] = o.type === undefined ? '' : normaliseType(o.type);
    }
    get size() { return this[kBytes].length; }
    get type() { return this[kType]; }
    slice(start = undefined, end = undefined, contentType = undefined) {
      const size = this[kBytes].length;
      const clamp = (value, fallback) => {
        if (value === undefined) return fallback;
        const n = p.MathFloor(+value) || 0;
        return n < 0 ? p.MathMax(size + n, 0) : p.MathMin(n, size);
      };
      const from = clamp(start, 0);
      const to = clamp(end, size);
      const blob = new Blob([], { type: contentType === undefined ? '' : contentType });
      blob[kBytes] = from < to ? this[kBytes].slice(from, to) : new Uint8Array(0);
      return blob;
    }
    text() { return p.PromiseResolve(host.utf8Decode(this[kBytes])); }
    arrayBuffer() { return p.PromiseResolve(p.ReflectApply(p.ArrayBuffer.prototype.slice, this[kBytes].buffer, [0])); }
    bytes() { return p.PromiseResolve(new Uint8Array(this[kBytes])); }
    stream() {
      const bytes = this[kBytes];
      let done = false;
      // A one-chunk readable stream, as Response.body is here.
      return {
        locked: false,
        getReader() {
          return {
            read() {
              if (done) return p.PromiseResolve({ value: undefined, done: true });
              done = true;
              return p.PromiseResolve({ value: new Uint8Array(bytes), done: false });
            },
            releaseLock() {},
            cancel() { done = true; return p.PromiseResolve(); },
          };
        },
        async *[p.SymbolAsyncIterator]() {
          if (!done) {
            done = true;
            yield new Uint8Array(bytes);
          }
        },
      };
    }
    [inspectCustom](depth, opts) {
      return `Blob ${rt.inspect({ size: this.size, type: this.type }, opts)}`;
    }
    get [p.SymbolToStringTag]() { return 'Blob'; }
  }

  const kName = p.Symbol('name');
  const kModified = p.Symbol('lastModified');
  class File extends Blob {
    constructor(bits, name, opts = undefined) {
      if (arguments.length < 2) {
        const err = new TypeError('The "fileBits" and "fileName" arguments must be specified');
        err.code = 'ERR_MISSING_ARGS';
        throw err;
      }
      const o = options(opts);
      super(bits, o);
      this[kName] = `${name}`;
      this[kModified] = o.lastModified === undefined ? p.DateNow() : p.MathFloor(+o.lastModified) || 0;
    }
    get name() { return this[kName]; }
    get lastModified() { return this[kModified]; }
    [inspectCustom](depth, opts) {
      return `File ${rt.inspect({ size: this.size, type: this.type, name: this.name, lastModified: this.lastModified }, opts)}`;
    }
    get [p.SymbolToStringTag]() { return 'File'; }
  }

  // A File for a FormData entry: a Blob becomes one named 'blob' unless a
  // filename is given; a File keeps its name unless one is given.
  function asFile(value, filename) {
    if (!(value instanceof File) || filename !== undefined) {
      const name = filename !== undefined ? `${filename}` : value instanceof File ? value.name : 'blob';
      const file = new File([], name, { type: value.type, lastModified: value instanceof File ? value.lastModified : undefined });
      file[kBytes] = value[kBytes];
      return file;
    }
    return value;
  }

  const kEntries = p.Symbol('entries');
  function entryOf(method, args, count) {
    if (count < 2) throw new TypeError(`FormData.${method}: 2 arguments required, but only ${count} found.`);
    // (Indexed: a script may have replaced the array iterator.)
    const name = args[0], value = args[1], filename = args[2];
    if (count > 2 && !(value instanceof Blob)) {
      throw new TypeError(`Failed to execute '${method}' on 'FormData': parameter 2 is not of type 'Blob'`);
    }
    return { name: `${name}`, value: value instanceof Blob ? asFile(value, filename) : `${value}` };
  }

  class FormData {
    constructor(form = undefined) {
      if (form !== undefined) {
        throw new TypeError('FormData constructor: Argument 1 could not be converted to: undefined.');
      }
      this[kEntries] = [];
    }
    append(name, value, filename = undefined) {
      ArrayPrototypePush(this[kEntries], entryOf('append', [name, value, filename], arguments.length));
    }
    set(name, value, filename = undefined) {
      const entry = entryOf('set', [name, value, filename], arguments.length);
      const entries = this[kEntries];
      const first = p.ArrayPrototypeFindIndex(entries, (e) => e.name === entry.name);
      if (first === -1) {
        ArrayPrototypePush(entries, entry);
        return;
      }
      entries[first] = entry;
      this[kEntries] = p.ArrayPrototypeFilter(entries, (e, i) => i <= first || e.name !== entry.name);
    }
    get(name) {
      if (arguments.length < 1) throw new TypeError('FormData.get: 1 argument required, but 0 found.');
      const found = p.ArrayPrototypeFind(this[kEntries], (e) => e.name === `${name}`);
      return found === undefined ? null : found.value;
    }
    getAll(name) {
      if (arguments.length < 1) throw new TypeError('FormData.getAll: 1 argument required, but 0 found.');
      return p.ArrayPrototypeMap(p.ArrayPrototypeFilter(this[kEntries], (e) => e.name === `${name}`), (e) => e.value);
    }
    has(name) {
      if (arguments.length < 1) throw new TypeError('FormData.has: 1 argument required, but 0 found.');
      return p.ArrayPrototypeSome(this[kEntries], (e) => e.name === `${name}`);
    }
    delete(name) {
      if (arguments.length < 1) throw new TypeError('FormData.delete: 1 argument required, but 0 found.');
      this[kEntries] = p.ArrayPrototypeFilter(this[kEntries], (e) => e.name !== `${name}`);
    }
    forEach(callback, thisArg = undefined) {
      if (typeof callback !== 'function') {
        throw new TypeError("Failed to execute 'forEach' on 'FormData': parameter 1 is not of type 'Function'.");
      }
      for (const [name, value] of this) p.ReflectApply(callback, thisArg, [value, name, this]);
    }
    *entries() {
      // Live, as the standard's iterator: entries added while iterating show.
      for (let i = 0; i < this[kEntries].length; i++) yield [this[kEntries][i].name, this[kEntries][i].value];
    }
    *keys() { for (const [name] of this.entries()) yield name; }
    *values() { for (const [, value] of this.entries()) yield value; }
    [SymbolIterator]() { return this.entries(); }
    [inspectCustom](depth, opts) {
      // Repeated names are shown as one array, as undici does.
      const shown = {};
      const entries = this[kEntries];
      for (let i = 0; i < entries.length; i++) {
        const { name, value } = entries[i];
        if (!p.ObjectPrototypeHasOwnProperty(shown, name)) shown[name] = value;
        else if (p.ArrayIsArray(shown[name])) ArrayPrototypePush(shown[name], value);
        else shown[name] = [shown[name], value];
      }
      return `FormData ${rt.inspect(shown, opts)}`;
    }
    get [p.SymbolToStringTag]() { return 'FormData'; }
  }

  // What fetch sends for a FormData body: multipart/form-data as undici
  // writes it (names and filenames escaped, line breaks normalised to CRLF).
  rt.multipartBody = function (form) {
    const digits = host.randomBytes(11);
    let random = '';
    for (let i = 0; i < 11; i++) random += digits[i] % 10;
    const boundary = `----formdata-undici-0${random}`;
    const escape = (text) => p.StringPrototypeReplace(p.StringPrototypeReplace(p.StringPrototypeReplace(text, /\n/g, '%0A'), /\r/g, '%0D'), /"/g, '%22');
    const crlf = (text) => p.StringPrototypeReplace(text, /\r?\n|\r/g, '\r\n');
    const chunks = [];
    let total = 0;
    const push = (bytes) => {
      ArrayPrototypePush(chunks, bytes);
      total += bytes.length;
    };
    const entries = form[kEntries];
    for (let i = 0; i < entries.length; i++) {
      const { name, value } = entries[i];
      const head = `--${boundary}\r\nContent-Disposition: form-data; name="${escape(crlf(name))}"`;
      if (typeof value === 'string') {
        push(rt.utf8Encode(`${head}\r\n\r\n${crlf(value)}\r\n`));
      } else {
        push(rt.utf8Encode(`${head}${value.name ? `; filename="${escape(value.name)}"` : ''}\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`));
        push(value[kBytes]);
        push(rt.utf8Encode('\r\n'));
      }
    }
    push(rt.utf8Encode(`--${boundary}--\r\n`));
    return [concat(chunks, total), `multipart/form-data; boundary=${boundary}`];
  };
  // Response.formData() and Request.formData(): the body read back as
  // undici reads it (a body that does not parse is one TypeError).
  const FORM_UNPARSABLE = 'Failed to parse body as FormData.';
  const subarray = p.TypedArrayPrototypeSubarray;
  function indexOfBytes(haystack, needle, from) {
    const first = needle[0];
    const last = haystack.length - needle.length;
    outer: for (let i = from; i <= last; i++) {
      if (haystack[i] !== first) continue;
      for (let j = 1; j < needle.length; j++) {
        if (haystack[i + j] !== needle[j]) continue outer;
      }
      return i;
    }
    return -1;
  }
  const unescapeName = (text) => p.StringPrototypeReplace(text, /%(0A|0D|22)/g, (_, code) => (code === '0A' ? '\n' : code === '0D' ? '\r' : '"'));
  function parseMultipart(bytes, boundary) {
    const form = new FormData();
    const delimiter = rt.utf8Encode(`--${boundary}`);
    const nextPart = rt.utf8Encode(`\r\n--${boundary}`);
    const headerEnd = rt.utf8Encode('\r\n\r\n');
    if (indexOfBytes(bytes, delimiter, 0) !== 0) throw new TypeError(FORM_UNPARSABLE);
    let pos = delimiter.length;
    for (;;) {
      if (bytes[pos] === 0x2d && bytes[pos + 1] === 0x2d) return form;
      if (bytes[pos] !== 0x0d || bytes[pos + 1] !== 0x0a) throw new TypeError(FORM_UNPARSABLE);
      pos += 2;
      const end = indexOfBytes(bytes, headerEnd, pos);
      if (end === -1) throw new TypeError(FORM_UNPARSABLE);
      const lines = p.StringPrototypeSplit(host.utf8Decode(subarray(bytes, pos, end)), '\r\n');
      let name;
      let filename;
      let type;
      for (let i = 0; i < lines.length; i++) {
        const colon = p.StringPrototypeIndexOf(lines[i], ':');
        if (colon === -1) throw new TypeError(FORM_UNPARSABLE);
        const header = p.StringPrototypeToLowerCase(p.StringPrototypeTrim(p.StringPrototypeSlice(lines[i], 0, colon)));
        const value = p.StringPrototypeTrim(p.StringPrototypeSlice(lines[i], colon + 1));
        if (header === 'content-disposition') {
          const named = p.RegExpPrototypeExec(/^form-data; name="([^"]*)"(?:; filename="([^"]*)")?$/i, value);
          if (named === null) throw new TypeError(FORM_UNPARSABLE);
          name = unescapeName(named[1]);
          if (named[2] !== undefined) filename = unescapeName(named[2]);
        } else if (header === 'content-type') {
          type = p.StringPrototypeToLowerCase(value);
        }
      }
      if (name === undefined) throw new TypeError(FORM_UNPARSABLE);
      const bodyStart = end + headerEnd.length;
      const bodyEnd = indexOfBytes(bytes, nextPart, bodyStart);
      if (bodyEnd === -1) throw new TypeError(FORM_UNPARSABLE);
      const content = subarray(bytes, bodyStart, bodyEnd);
      if (filename === undefined) {
        form.append(name, host.utf8Decode(content));
      } else {
        const file = new File([], filename, { type: type === undefined ? 'text/plain' : type });
        file[kBytes] = new Uint8Array(content);
        form.append(name, file);
      }
      pos = bodyEnd + nextPart.length;
    }
  }
  rt.parseFormData = function (bytes, contentType) {
    const header = contentType === null ? '' : contentType;
    const essence = p.StringPrototypeToLowerCase(p.StringPrototypeTrim(p.StringPrototypeSplit(header, ';')[0]));
    if (essence === 'application/x-www-form-urlencoded') {
      const form = new FormData();
      for (const [name, value] of new rt.URLSearchParams(host.utf8Decode(bytes))) form.append(name, value);
      return form;
    }
    if (essence !== 'multipart/form-data') {
      throw new TypeError('Content-Type was not one of "multipart/form-data" or "application/x-www-form-urlencoded".');
    }
    const boundary = p.RegExpPrototypeExec(/;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i, header);
    if (boundary === null) throw new TypeError(FORM_UNPARSABLE);
    return parseMultipart(bytes, boundary[1] !== undefined ? boundary[1] : boundary[2]);
  };
  rt.blobBytes = (blob) => blob[kBytes];
  rt.Blob = Blob;
  rt.File = File;
  rt.FormData = FormData;
  rt.newBlob = function (bytes, type) {
    const blob = new Blob([], { type: type === null || type === undefined ? '' : type });
    blob[kBytes] = bytes;
    return blob;
  };
  rt.globals.Blob = Blob;
  rt.globals.File = File;
  rt.globals.FormData = FormData;
})
