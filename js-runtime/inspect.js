// Node's util.inspect and util.format, as far as scripts' console output
// needs them: the same quoting, nesting depth, line breaking (breakLength 80,
// compact 3), array grouping and circular markers, so a log line reads as it
// would in Auth0's real-time logs. Getters are never invoked and Proxies are
// shown through their target, as Node does.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const {
    ObjectKeys, ObjectGetOwnPropertySymbols, ObjectGetOwnPropertyDescriptor, ObjectGetPrototypeOf,
    ObjectPrototypeHasOwnProperty, ObjectPrototypePropertyIsEnumerable, ObjectPrototypeToString,
    ArrayIsArray, ArrayPrototypePush, ArrayPrototypePop, ArrayPrototypeJoin, ArrayPrototypeIndexOf,
    StringPrototypeSlice, StringPrototypeIncludes, StringPrototypeRepeat, StringPrototypeReplace,
    StringPrototypePadStart, StringPrototypePadEnd, StringPrototypeCharCodeAt,
    StringPrototypeIndexOf, StringPrototypeSplit,
    RegExpPrototypeTest, RegExpPrototypeToString, DatePrototypeToISOString, DatePrototypeGetTime,
    FunctionPrototypeToString, SymbolPrototypeToString, SymbolPrototypeGetDescription,
    MapPrototypeGetSize, SetPrototypeGetSize, MapPrototypeForEach, SetPrototypeForEach,
    TypedArrayPrototypeGetLength, TypedArrayPrototypeGetSymbolToStringTag,
    ArrayBufferPrototypeGetByteLength, NumberPrototypeToString,
    MathSqrt, MathMax, MathMin, MathRound, MathFloor, ObjectIs, JSONStringify,
    NumberParseInt, NumberParseFloat, ReflectApply,
    Error, Map, Set, WeakMap, WeakSet, Promise, RegExp, Date, Number, String, Boolean,
    BigInt, Symbol, ArrayBuffer, DataView, TypedArrayPrototype, AsyncFunctionPrototype,
    GeneratorFunctionPrototype, AsyncGeneratorFunctionPrototype,
  } = p;

  const customInspect = p.SymbolFor('nodejs.util.inspect.custom');
  const defaults = { depth: 2, breakLength: 80, compact: 3, maxArrayLength: 100, maxStringLength: 10000, showHidden: false, sorted: false };
  const keyStrRegExp = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
  const numberRegExp = /^(0|[1-9][0-9]*)$/;
  const needsEscape = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

  const meta = [
    '\\x00', '\\x01', '\\x02', '\\x03', '\\x04', '\\x05', '\\x06', '\\x07',
    '\\b', '\\t', '\\n', '\\x0B', '\\f', '\\r', '\\x0E', '\\x0F',
    '\\x10', '\\x11', '\\x12', '\\x13', '\\x14', '\\x15', '\\x16', '\\x17',
    '\\x18', '\\x19', '\\x1A', '\\x1B', '\\x1C', '\\x1D', '\\x1E', '\\x1F',
  ];

  function hex4(code) {
    return StringPrototypePadStart(p.StringPrototypeToUpperCase(NumberPrototypeToString(code, 16)), 4, '0');
  }

  function strEscape(str) {
    let quote = 39; // '
    let singleQuote = 39;
    if (StringPrototypeIncludes(str, "'")) {
      if (!StringPrototypeIncludes(str, '"')) {
        singleQuote = -2;
        quote = 34;
      } else if (!StringPrototypeIncludes(str, '`') && !StringPrototypeIncludes(str, '${')) {
        singleQuote = -1;
        quote = 96;
      }
    }
    const q = p.StringFromCharCode(quote);
    if (str.length < 5000 && !RegExpPrototypeTest(needsEscape, str)) {
      return q + str + q;
    }
    let result = '';
    let last = 0;
    for (let i = 0; i < str.length; i++) {
      const point = StringPrototypeCharCodeAt(str, i);
      let replacement;
      if (point === singleQuote || point === 92 || point < 32 || (point > 126 && point < 160)) {
        if (point === singleQuote) replacement = "\\'";
        else if (point === 92) replacement = '\\\\';
        else if (point < 32) replacement = meta[point];
        else replacement = '\\x' + p.StringPrototypeToUpperCase(NumberPrototypeToString(point, 16));
      } else if (point >= 0xd800 && point <= 0xdfff) {
        if (point <= 0xdbff && i + 1 < str.length) {
          const next = StringPrototypeCharCodeAt(str, i + 1);
          if (next >= 0xdc00 && next <= 0xdfff) {
            i++;
            continue;
          }
        }
        replacement = '\\u' + hex4(point);
      } else {
        continue;
      }
      result += StringPrototypeSlice(str, last, i) + replacement;
      last = i + 1;
    }
    if (last !== str.length) result += StringPrototypeSlice(str, last);
    return q + result + q;
  }

  function formatNumber(n) {
    if (ObjectIs(n, -0)) return '-0';
    return '' + n;
  }

  function formatPrimitive(ctx, value) {
    switch (typeof value) {
      case 'string': {
        let trailer = '';
        if (value.length > ctx.maxStringLength) {
          const remaining = value.length - ctx.maxStringLength;
          value = StringPrototypeSlice(value, 0, ctx.maxStringLength);
          trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
        }
        // Long multi-line strings inside objects are split at line breaks.
        if (ctx.compact !== true && value.length > 16 &&
            value.length > ctx.breakLength - ctx.indentationLvl - 4) {
          const lines = splitLines(value);
          if (lines.length > 1) {
            const parts = [];
            for (let i = 0; i < lines.length; i++) ArrayPrototypePush(parts, strEscape(lines[i]));
            return ArrayPrototypeJoin(parts, ` +\n${StringPrototypeRepeat(' ', ctx.indentationLvl + 2)}`) + trailer;
          }
        }
        return strEscape(value) + trailer;
      }
      case 'number': return formatNumber(value);
      case 'bigint': return `${value}n`;
      case 'boolean': return `${value}`;
      case 'undefined': return 'undefined';
      case 'symbol': return SymbolPrototypeToString(value);
      default: return 'null';
    }
  }

  function splitLines(str) {
    const lines = [];
    let start = 0;
    for (;;) {
      const idx = StringPrototypeIndexOf(str, '\n', start);
      if (idx === -1) break;
      ArrayPrototypePush(lines, StringPrototypeSlice(str, start, idx + 1));
      start = idx + 1;
    }
    if (start < str.length) ArrayPrototypePush(lines, StringPrototypeSlice(str, start));
    return lines;
  }

  function isInstance(value, ctor) {
    try {
      let proto = ObjectGetPrototypeOf(value);
      while (proto !== null) {
        if (proto === ctor.prototype) return true;
        proto = ObjectGetPrototypeOf(proto);
      }
    } catch {
      // A revoked Proxy: not an instance of anything.
    }
    return false;
  }

  const boxed = [
    ['Number', p.NumberPrototypeValueOf],
    ['String', p.StringPrototypeValueOf],
    ['Boolean', p.BooleanPrototypeValueOf],
    ['BigInt', p.BigIntPrototypeValueOf],
    ['Symbol', p.SymbolPrototypeValueOf],
  ];

  // The brand of a builtin object, read from the engine rather than from the
  // prototype chain, which a script controls.
  function brand(value) {
    const kind = host.brand(value);
    if (kind !== 'Object') return kind;
    for (let i = 0; i < boxed.length; i++) {
      try {
        boxed[i][1](value);
        return boxed[i][0];
      } catch {
        // not this primitive wrapper
      }
    }
    return kind;
  }

  function primitiveOf(value, kind) {
    for (let i = 0; i < boxed.length; i++) {
      if (boxed[i][0] === kind) return boxed[i][1](value);
    }
    return undefined;
  }

  function getConstructorName(obj) {
    let proto;
    try {
      proto = ObjectGetPrototypeOf(obj);
    } catch {
      return null;
    }
    let first = true;
    let tmp = obj;
    while (tmp !== null && tmp !== undefined) {
      let desc;
      try {
        desc = ObjectGetOwnPropertyDescriptor(tmp, 'constructor');
      } catch {
        return null;
      }
      if (desc !== undefined && typeof desc.value === 'function') {
        let nameDesc;
        try {
          nameDesc = ObjectGetOwnPropertyDescriptor(desc.value, 'name');
        } catch { nameDesc = undefined; }
        const name = nameDesc && typeof nameDesc.value === 'string' ? nameDesc.value : '';
        if (name !== '' && isInstance(first ? obj : proto, desc.value)) {
          return name;
        }
        if (name !== '' && !first) return name;
      }
      try {
        tmp = ObjectGetPrototypeOf(tmp);
      } catch {
        return null;
      }
      first = false;
    }
    return null;
  }

  function getPrefix(constructor, tag, fallback, size) {
    const sizeText = size === undefined ? '' : `(${size})`;
    if (constructor === null) {
      if (tag !== '' && fallback !== tag) return `[${fallback}${sizeText}: null prototype] [${tag}] `;
      return `[${fallback}${sizeText}: null prototype] `;
    }
    if (tag !== '' && constructor !== tag) return `${constructor}${sizeText} [${tag}] `;
    return `${constructor}${sizeText} `;
  }

  function getKeys(value) {
    const keys = ObjectKeys(value);
    const symbols = ObjectGetOwnPropertySymbols(value);
    for (let i = 0; i < symbols.length; i++) {
      if (ObjectPrototypePropertyIsEnumerable(value, symbols[i])) ArrayPrototypePush(keys, symbols[i]);
    }
    return keys;
  }

  function formatValue(ctx, value, recurseTimes, typedArray) {
    if (typeof value !== 'object' && typeof value !== 'function') {
      return formatPrimitive(ctx, value);
    }
    if (value === null) return 'null';
    if (host.isProxy(value)) {
      // Node shows what is behind the Proxy and never runs its traps.
      value = host.proxyTarget(value);
      if (value === null || (typeof value !== 'object' && typeof value !== 'function')) {
        return '<Revoked Proxy>';
      }
    }
    let custom;
    try {
      const desc = findProperty(value, customInspect);
      custom = desc && typeof desc.value === 'function' ? desc.value : undefined;
    } catch { custom = undefined; }
    if (custom !== undefined && custom !== rt.inspect) {
      const depth = ctx.depth === null ? null : ctx.depth - recurseTimes;
      const ret = ReflectApply(custom, value, [depth, { ...ctx, depth }, rt.inspect]);
      if (ret !== value) {
        if (typeof ret !== 'string') return formatValue(ctx, ret, recurseTimes);
        return StringPrototypeReplace(ret, /\n/g, `\n${StringPrototypeRepeat(' ', ctx.indentationLvl)}`);
      }
    }
    if (ArrayPrototypeIndexOf(ctx.seen, value) !== -1) {
      let index = 1;
      if (ctx.circular === undefined) {
        ctx.circular = new Map();
        p.MapPrototypeSet(ctx.circular, value, index);
      } else {
        index = p.MapPrototypeGet(ctx.circular, value);
        if (index === undefined) {
          index = MapPrototypeGetSize(ctx.circular) + 1;
          p.MapPrototypeSet(ctx.circular, value, index);
        }
      }
      return `[Circular *${index}]`;
    }
    return formatRaw(ctx, value, recurseTimes, typedArray);
  }

  function findProperty(obj, key) {
    let tmp = obj;
    for (let i = 0; tmp !== null && i < 1000; i++) {
      const desc = ObjectGetOwnPropertyDescriptor(tmp, key);
      if (desc !== undefined) return desc;
      tmp = ObjectGetPrototypeOf(tmp);
    }
    return undefined;
  }

  const kObjectType = 0;
  const kArrayType = 1;
  const kArrayExtrasType = 2;

  function functionBase(value, constructor, tag) {
    let source = '';
    try { source = FunctionPrototypeToString(value); } catch { source = ''; }
    if (StringPrototypeSlice(source, 0, 5) === 'class' && /^class(?:\s|\{)/.test(source)) {
      let nameDesc = ObjectGetOwnPropertyDescriptor(value, 'name');
      const name = nameDesc && typeof nameDesc.value === 'string' && nameDesc.value !== '' ? nameDesc.value : '(anonymous)';
      let base = `[class ${name}`;
      if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
      if (constructor === null) base += ' [null prototype]';
      const proto = ObjectGetPrototypeOf(value);
      if (proto !== null && proto !== p.Function.prototype) {
        const superDesc = ObjectGetOwnPropertyDescriptor(proto, 'name');
        if (superDesc && typeof superDesc.value === 'string' && superDesc.value !== '') base += ` extends ${superDesc.value}`;
      }
      return base + ']';
    }
    let type = 'Function';
    const proto = ObjectGetPrototypeOf(value);
    if (proto === AsyncFunctionPrototype) type = 'AsyncFunction';
    else if (proto === GeneratorFunctionPrototype) type = 'GeneratorFunction';
    else if (proto === AsyncGeneratorFunctionPrototype) type = 'AsyncGeneratorFunction';
    let base = `[${type}`;
    if (constructor === null) base += ' (null prototype)';
    const nameDesc = ObjectGetOwnPropertyDescriptor(value, 'name');
    const name = nameDesc && typeof nameDesc.value === 'string' ? nameDesc.value : '';
    base += name === '' ? ' (anonymous)' : `: ${name}`;
    base += ']';
    if (constructor !== type && constructor !== null) base += ` ${constructor}`;
    if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
    return base;
  }

  function errorToString(err) {
    let name, message, stack;
    try { name = err.name; } catch { name = 'Error'; }
    try { message = err.message; } catch { message = ''; }
    try { stack = err.stack; } catch { stack = undefined; }
    const header = message === undefined || message === '' ? `${name}` : `${name}: ${message}`;
    if (typeof stack !== 'string' || stack === '') return `[${header}]`;
    // QuickJS's stack lists only the frames; V8 (and so Node) starts it
    // with "Name: message".
    if (StringPrototypeSlice(stack, 0, header.length) === header) return stack;
    let frames = stack;
    while (frames.length > 0 && frames[frames.length - 1] === '\n') frames = StringPrototypeSlice(frames, 0, -1);
    return `${header}\n${frames}`;
  }

  function formatRaw(ctx, value, recurseTimes, typedArray) {
    let keys;
    const constructor = getConstructorName(value);
    let tag = '';
    try {
      const t = value[p.SymbolToStringTag];
      if (typeof t === 'string' && t !== '' && t !== constructor) tag = t;
    } catch { tag = ''; }
    let base = '';
    let formatter = formatNothing;
    let braces;
    let extrasType = kObjectType;
    let noIterator = true;
    const kind = brand(value);

    if (kind === 'Array') {
      keys = [];
      const all = ObjectKeys(value);
      for (let i = 0; i < all.length; i++) {
        if (!RegExpPrototypeTest(numberRegExp, all[i])) ArrayPrototypePush(keys, all[i]);
      }
      const symbols = ObjectGetOwnPropertySymbols(value);
      for (let i = 0; i < symbols.length; i++) {
        if (ObjectPrototypePropertyIsEnumerable(value, symbols[i])) ArrayPrototypePush(keys, symbols[i]);
      }
      const prefix = (constructor !== 'Array' || tag !== '') ? getPrefix(constructor, tag, 'Array', value.length) : '';
      braces = [`${prefix}[`, ']'];
      if (value.length === 0 && keys.length === 0) return `${braces[0]}]`;
      extrasType = kArrayExtrasType;
      formatter = formatArray;
      noIterator = false;
    } else if (kind === 'Set') {
      const size = SetPrototypeGetSize(value);
      const prefix = getPrefix(constructor, tag, 'Set', size);
      keys = getKeys(value);
      formatter = formatSet;
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
      noIterator = false;
    } else if (kind === 'Map') {
      const size = MapPrototypeGetSize(value);
      const prefix = getPrefix(constructor, tag, 'Map', size);
      keys = getKeys(value);
      formatter = formatMap;
      if (size === 0 && keys.length === 0) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
      noIterator = false;
    } else if (kind === 'TypedArray') {
      keys = [];
      const all = ObjectKeys(value);
      for (let i = 0; i < all.length; i++) {
        if (!RegExpPrototypeTest(numberRegExp, all[i])) ArrayPrototypePush(keys, all[i]);
      }
      const fallback = TypedArrayPrototypeGetSymbolToStringTag(value);
      const size = TypedArrayPrototypeGetLength(value);
      const prefix = getPrefix(constructor, tag, fallback, size);
      braces = [`${prefix}[`, ']'];
      if (size === 0 && keys.length === 0) return `${braces[0]}]`;
      formatter = formatTypedArray;
      extrasType = kArrayExtrasType;
      noIterator = false;
    }
    if (noIterator) {
      keys = getKeys(value);
      braces = ['{', '}'];
      if (kind === 'Object' || kind === '') {
        if (kind === 'Object' && constructor === 'Object') {
          if (tag !== '') braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
          if (keys.length === 0) return `${braces[0]}}`;
        } else if (typeof value === 'function') {
          base = functionBase(value, constructor, tag);
          if (keys.length === 0) return base;
        } else if (kind === 'Arguments') {
          braces[0] = '[Arguments] [';
        } else {
          braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
          if (keys.length === 0) return `${braces[0]}}`;
        }
      } else if (typeof value === 'function') {
        base = functionBase(value, constructor, tag);
        if (keys.length === 0) return base;
      } else if (kind === 'RegExp') {
        base = RegExpPrototypeToString(constructor !== null ? value : new RegExp(value));
        const prefix = getPrefix(constructor, tag, 'RegExp');
        if (prefix !== 'RegExp ') base = `${prefix}${base}`;
        if (keys.length === 0) return base;
      } else if (kind === 'Date') {
        const time = DatePrototypeGetTime(value);
        base = time !== time ? 'Invalid Date' : DatePrototypeToISOString(value);
        const prefix = getPrefix(constructor, tag, 'Date');
        if (prefix !== 'Date ') base = `${prefix}${base}`;
        if (keys.length === 0) return base;
      } else if (kind === 'Error') {
        base = errorToString(value);
        // Node leaves out the properties every error has.
        const visible = [];
        for (let i = 0; i < keys.length; i++) {
          if (keys[i] !== 'stack' && keys[i] !== 'message') ArrayPrototypePush(visible, keys[i]);
        }
        keys = visible;
        if (keys.length === 0) return ctx.indentationLvl === 0 ? base : indentLines(base, ctx.indentationLvl);
      } else if (kind === 'ArrayBuffer') {
        const prefix = getPrefix(constructor, tag, 'ArrayBuffer');
        formatter = typedArray === undefined ? formatArrayBuffer : formatNothing;
        braces[0] = `${prefix}{`;
      } else if (kind === 'Promise') {
        braces[0] = `${getPrefix(constructor, tag, 'Promise')}{`;
        formatter = formatPromise;
      } else if (kind === 'WeakSet' || kind === 'WeakMap') {
        braces[0] = `${getPrefix(constructor, tag, kind)}{`;
        formatter = formatWeak;
      } else if (kind === 'Number' || kind === 'String' || kind === 'Boolean' || kind === 'BigInt' || kind === 'Symbol') {
        const inner = primitiveOf(value, kind);
        let text = formatPrimitive({ ...ctx, compact: true }, inner);
        base = `[${kind}`;
        if (kind !== constructor) base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
        base += `: ${text}]`;
        if (kind === 'String') {
          const filtered = [];
          for (let i = 0; i < keys.length; i++) {
            if (!RegExpPrototypeTest(numberRegExp, keys[i])) ArrayPrototypePush(filtered, keys[i]);
          }
          keys = filtered;
        }
        if (keys.length === 0) return base;
      } else {
        braces[0] = `${getPrefix(constructor, tag, 'Object')}{`;
        if (keys.length === 0) return `${braces[0]}}`;
      }
    }

    if (ctx.depth !== null && recurseTimes > ctx.depth) {
      let name = getPrefix(constructor, tag, 'Object');
      name = StringPrototypeSlice(name, 0, -1);
      if (constructor !== null) name = `[${name}]`;
      return name;
    }
    recurseTimes += 1;
    ArrayPrototypePush(ctx.seen, value);
    ctx.currentDepth = recurseTimes;
    let output;
    try {
      output = formatter(ctx, value, recurseTimes);
      for (let i = 0; i < keys.length; i++) {
        ArrayPrototypePush(output, formatProperty(ctx, value, recurseTimes, keys[i], extrasType));
      }
    } finally {
      ArrayPrototypePop(ctx.seen);
    }
    if (ctx.circular !== undefined) {
      const index = p.MapPrototypeGet(ctx.circular, value);
      if (index !== undefined) {
        const reference = `<ref *${index}>`;
        if (base === '') braces[0] = `${reference} ${braces[0]}`;
        else base = `${reference} ${base}`;
      }
    }
    return reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
  }

  function indentLines(text, n) {
    return StringPrototypeReplace(text, /\n/g, `\n${StringPrototypeRepeat(' ', n)}`);
  }

  function formatNothing() { return []; }

  function formatArray(ctx, value, recurseTimes) {
    const len = value.length;
    const max = MathMin(MathMax(0, ctx.maxArrayLength), len);
    const remaining = len - max;
    const output = [];
    for (let i = 0; i < max; i++) {
      if (!ObjectPrototypeHasOwnProperty(value, i)) {
        return formatArrayWithHoles(ctx, value, recurseTimes, max, output, i);
      }
      ArrayPrototypePush(output, formatProperty(ctx, value, recurseTimes, i, kArrayExtrasType));
    }
    if (remaining > 0) ArrayPrototypePush(output, `... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }

  function formatArrayWithHoles(ctx, value, recurseTimes, max, output, start) {
    const len = value.length;
    let i = start;
    let shown = output.length;
    while (i < len && shown < max) {
      if (ObjectPrototypeHasOwnProperty(value, i)) {
        ArrayPrototypePush(output, formatProperty(ctx, value, recurseTimes, i, kArrayExtrasType));
        i++;
      } else {
        let j = i;
        while (j < len && !ObjectPrototypeHasOwnProperty(value, j)) j++;
        const holes = j - i;
        ArrayPrototypePush(output, `<${holes} empty item${holes > 1 ? 's' : ''}>`);
        i = j;
      }
      shown++;
    }
    const remaining = len - i;
    if (remaining > 0) ArrayPrototypePush(output, `... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    return output;
  }

  function formatTypedArray(ctx, value) {
    const length = TypedArrayPrototypeGetLength(value);
    const max = MathMin(MathMax(0, ctx.maxArrayLength), length);
    const output = [];
    for (let i = 0; i < max; i++) {
      const item = value[i];
      ArrayPrototypePush(output, typeof item === 'bigint' ? `${item}n` : formatNumber(item));
    }
    if (length > max) {
      const remaining = length - max;
      ArrayPrototypePush(output, `... ${remaining} more item${remaining > 1 ? 's' : ''}`);
    }
    return output;
  }

  function formatArrayBuffer(ctx, value) {
    const bytes = new p.Uint8Array(value);
    const max = MathMin(ctx.maxArrayLength, bytes.length);
    let str = '';
    for (let i = 0; i < max; i++) {
      str += (i === 0 ? '' : ' ') + StringPrototypePadStart(NumberPrototypeToString(bytes[i], 16), 2, '0');
    }
    const remaining = bytes.length - max;
    if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
    return [`[Uint8Contents]: <${str}>`, `byteLength: ${ArrayBufferPrototypeGetByteLength(value)}`];
  }

  function formatSet(ctx, value, recurseTimes) {
    const output = [];
    ctx.indentationLvl += 2;
    SetPrototypeForEach(value, (v) => { ArrayPrototypePush(output, formatValue(ctx, v, recurseTimes)); });
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatMap(ctx, value, recurseTimes) {
    const output = [];
    ctx.indentationLvl += 2;
    MapPrototypeForEach(value, (v, k) => {
      ArrayPrototypePush(output, `${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);
    });
    ctx.indentationLvl -= 2;
    return output;
  }

  function formatPromise(ctx, value, recurseTimes) {
    const state = host.promiseState(value);
    if (state === 'pending') return ['<pending>'];
    ctx.indentationLvl += 2;
    const str = formatValue(ctx, host.promiseResult(value), recurseTimes);
    ctx.indentationLvl -= 2;
    return [state === 'rejected' ? `<rejected> ${str}` : str];
  }

  function formatWeak() {
    return ['<items unknown>'];
  }

  function formatProperty(ctx, value, recurseTimes, key, type) {
    let name, str;
    let extra = ' ';
    let desc = ObjectGetOwnPropertyDescriptor(value, key);
    if (desc === undefined) desc = { value: undefined, enumerable: true };
    if (desc.value !== undefined) {
      const diff = 2;
      ctx.indentationLvl += diff;
      str = formatValue(ctx, desc.value, recurseTimes);
      ctx.indentationLvl -= diff;
    } else if (desc.get !== undefined) {
      str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
    } else if (desc.set !== undefined) {
      str = '[Setter]';
    } else {
      str = 'undefined';
    }
    if (type === kArrayExtrasType && typeof key === 'number') return str;
    if (typeof key === 'symbol') {
      name = `[${SymbolPrototypeToString(key)}]`;
    } else if (key === '__proto__') {
      name = "['__proto__']";
    } else if (desc.enumerable === false) {
      name = `[${key}]`;
    } else if (RegExpPrototypeTest(keyStrRegExp, key)) {
      name = key;
    } else {
      name = strEscape(key);
    }
    return `${name}:${extra}${str}`;
  }

  function isBelowBreakLength(ctx, output, start, base) {
    let totalLength = output.length + start;
    if (totalLength + output.length > ctx.breakLength) return false;
    for (let i = 0; i < output.length; i++) {
      totalLength += output[i].length;
      if (totalLength > ctx.breakLength) return false;
    }
    return base === '' || !StringPrototypeIncludes(base, '\n');
  }

  function groupArrayElements(ctx, output, value) {
    let totalLength = 0;
    let maxLength = 0;
    let outputLength = output.length;
    if (ctx.maxArrayLength < output.length) outputLength--;
    const separatorSpace = 2;
    const dataLen = [];
    for (let i = 0; i < outputLength; i++) {
      const len = output[i].length;
      dataLen[i] = len;
      totalLength += len + separatorSpace;
      if (maxLength < len) maxLength = len;
    }
    const actualMax = maxLength + separatorSpace;
    if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength &&
        (totalLength / actualMax > 5 || maxLength <= 6)) {
      const averageBias = MathSqrt(actualMax - totalLength / output.length);
      const biasedMax = MathMax(actualMax - 3 - averageBias, 1);
      const columns = MathMin(
        MathRound(MathSqrt(2.5 * biasedMax * outputLength) / biasedMax),
        MathFloor((ctx.breakLength - ctx.indentationLvl) / actualMax),
        ctx.compact * 4,
        15,
      );
      if (columns <= 1) return output;
      const grouped = [];
      const maxLineLength = [];
      for (let i = 0; i < columns; i++) {
        let lineLength = 0;
        for (let j = i; j < output.length; j += columns) {
          if (dataLen[j] > lineLength) lineLength = dataLen[j];
        }
        ArrayPrototypePush(maxLineLength, lineLength + separatorSpace);
      }
      let padStart = true;
      if (value !== undefined) {
        for (let i = 0; i < output.length; i++) {
          if (typeof value[i] !== 'number' && typeof value[i] !== 'bigint') {
            padStart = false;
            break;
          }
        }
      }
      for (let i = 0; i < outputLength; i += columns) {
        const max = MathMin(i + columns, outputLength);
        let str = '';
        let j = i;
        for (; j < max - 1; j++) {
          const cell = `${output[j]}, `;
          str += padStart ? StringPrototypePadStart(cell, maxLineLength[j - i], ' ') : StringPrototypePadEnd(cell, maxLineLength[j - i], ' ');
        }
        if (padStart) {
          str += StringPrototypePadStart(output[j], maxLineLength[j - i] - separatorSpace, ' ');
        } else {
          str += output[j];
        }
        ArrayPrototypePush(grouped, str);
      }
      if (ctx.maxArrayLength < output.length) ArrayPrototypePush(grouped, output[outputLength]);
      return grouped;
    }
    return output;
  }

  function reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value) {
    const entries = output.length;
    if (extrasType === kArrayExtrasType && entries > 6) {
      output = groupArrayElements(ctx, output, value);
    }
    if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
      const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
      if (isBelowBreakLength(ctx, output, start, base)) {
        const joined = ArrayPrototypeJoin(output, ', ');
        if (!StringPrototypeIncludes(joined, '\n')) {
          return `${base ? `${base} ` : ''}${braces[0]} ${joined} ${braces[1]}`;
        }
      }
    }
    const indentation = `\n${StringPrototypeRepeat(' ', ctx.indentationLvl)}`;
    return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${ArrayPrototypeJoin(output, `,${indentation}  `)}${indentation}${braces[1]}`;
  }

  function inspect(value, options) {
    const ctx = {
      depth: defaults.depth, breakLength: defaults.breakLength, compact: defaults.compact,
      maxArrayLength: defaults.maxArrayLength, maxStringLength: defaults.maxStringLength,
      seen: [], indentationLvl: 0, currentDepth: 0, circular: undefined,
    };
    if (options !== null && typeof options === 'object') {
      if (options.depth === null || options.depth === Infinity) ctx.depth = null;
      else if (typeof options.depth === 'number') ctx.depth = options.depth;
      if (typeof options.breakLength === 'number') ctx.breakLength = options.breakLength;
      if (options.compact === true || options.compact === false || typeof options.compact === 'number') ctx.compact = options.compact;
      if (typeof options.maxArrayLength === 'number') ctx.maxArrayLength = options.maxArrayLength;
      if (options.maxArrayLength === null) ctx.maxArrayLength = Infinity;
      if (typeof options.maxStringLength === 'number') ctx.maxStringLength = options.maxStringLength;
      if (options.maxStringLength === null) ctx.maxStringLength = Infinity;
    }
    if (ctx.compact === false) ctx.compact = 0;
    if (ctx.compact === true) ctx.compact = 3;
    return formatValue(ctx, value, 0);
  }
  inspect.custom = customInspect;
  inspect.defaultOptions = defaults;

  function formatWithOptions(options, args) {
    const first = args[0];
    let a = 0;
    let str = '';
    let join = '';
    if (typeof first === 'string') {
      if (args.length === 1) return first;
      if (StringPrototypeIndexOf(first, '%') === -1) {
        // No format specifiers: the arguments are joined with spaces.
        str = first;
        a = 1;
        join = ' ';
      }
    }
    if (typeof first === 'string' && a === 0) {
      let tempStr;
      let lastPos = 0;
      for (let i = 0; i < first.length - 1; i++) {
        if (StringPrototypeCharCodeAt(first, i) === 37) { // '%'
          const nextChar = StringPrototypeCharCodeAt(first, ++i);
          if (a + 1 !== args.length) {
            switch (nextChar) {
              case 115: { // 's'
                const arg = args[++a];
                if (typeof arg === 'number') tempStr = formatNumber(arg);
                else if (typeof arg === 'bigint') tempStr = `${arg}n`;
                else if (typeof arg !== 'object' || arg === null || !hasBuiltInToString(arg)) tempStr = String(arg);
                else tempStr = inspect(arg, { ...options, depth: 0, compact: 3 });
                break;
              }
              case 106: // 'j'
                try {
                  tempStr = JSONStringify(args[++a]);
                } catch (err) {
                  tempStr = '[Circular]';
                }
                break;
              case 100: { // 'd'
                const n = args[++a];
                if (typeof n === 'bigint') tempStr = `${n}n`;
                else if (typeof n === 'symbol') tempStr = 'NaN';
                else tempStr = formatNumber(Number(n));
                break;
              }
              case 79: // 'O'
                tempStr = inspect(args[++a], options);
                break;
              case 111: // 'o'
                tempStr = inspect(args[++a], { ...options, showHidden: true, showProxy: true, depth: 4 });
                break;
              case 105: { // 'i'
                const n = args[++a];
                if (typeof n === 'bigint') tempStr = `${n}n`;
                else if (typeof n === 'symbol') tempStr = 'NaN';
                else tempStr = formatNumber(NumberParseInt(n));
                break;
              }
              case 102: { // 'f'
                const n = args[++a];
                tempStr = typeof n === 'symbol' ? 'NaN' : formatNumber(NumberParseFloat(n));
                break;
              }
              case 99: // 'c'
                a += 1;
                tempStr = '';
                break;
              case 37: // '%'
                str += StringPrototypeSlice(first, lastPos, i);
                lastPos = i + 1;
                continue;
              default:
                continue;
            }
            if (lastPos !== i - 1) str += StringPrototypeSlice(first, lastPos, i - 1);
            str += tempStr;
            lastPos = i + 1;
          } else if (nextChar === 37) {
            str += StringPrototypeSlice(first, lastPos, i);
            lastPos = i + 1;
          }
        }
      }
      if (lastPos !== 0) {
        a++;
        join = ' ';
        if (lastPos < first.length) str += StringPrototypeSlice(first, lastPos);
      }
    }
    while (a < args.length) {
      const value = args[a];
      str += join;
      str += typeof value !== 'string' ? inspect(value, options) : value;
      join = ' ';
      a++;
    }
    return str;
  }

  function hasBuiltInToString(value) {
    // Objects whose toString is their own (or a class's) print with it;
    // builtin ones are inspected instead, as in Node.
    let proto = value;
    for (let i = 0; proto !== null && i < 1000; i++) {
      const desc = ObjectGetOwnPropertyDescriptor(proto, 'toString');
      if (desc !== undefined) {
        return proto === p.Object.prototype || proto === p.Error.prototype ||
          proto === p.Array.prototype || proto === p.Date.prototype || proto === p.RegExp.prototype ||
          proto === p.Function.prototype;
      }
      proto = ObjectGetPrototypeOf(proto);
    }
    return true;
  }

  function format(...args) {
    return formatWithOptions(undefined, args);
  }

  rt.inspect = inspect;
  rt.format = format;
  // Takes an array: spreading arguments would run the (replaceable) array
  // iterator.
  rt.formatArgs = (args) => formatWithOptions(undefined, args);
  rt.formatWithOptions = (options, ...args) => formatWithOptions(options, args);
  rt.errorToString = errorToString;
  rt.constructorName = getConstructorName;
  rt.brand = brand;
  rt.primitiveOf = primitiveOf;
})
