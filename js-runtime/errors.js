// Engine errors in V8's words. Auth0 runs Actions on Node 22, so a script
// that reads `e.message`, and the login's `error_description` built from an
// uncaught error, see V8's text; QuickJS words the same errors its own way
// (`cannot read property 'plan' of undefined`). core.js hands every error
// the engine makes to `rt.nodeErrorMessage` as it is created, and every
// failed `JSON.parse` to `rt.nodeJsonErrorMessage` (docs/node.md, "Error
// messages"). Loaded on the first engine error.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const {
    RegExpPrototypeExec, RegExpPrototypeTest, StringPrototypeSlice, StringPrototypeCharCodeAt,
    StringPrototypeTrim,
  } = p;

  // ---- where an error points ---------------------------------------------

  // The source line of the frame that threw, and the 0-based index QuickJS
  // points at in it, when the frame is a script this isolate compiled.
  function pointAt(frames) {
    const frame = frames[0];
    if (frame === undefined || rt.callSite.isNative(frame)) return undefined;
    const file = rt.callSite.getFileName(frame);
    const line = rt.callSite.getLineNumber(frame);
    const column = rt.callSite.getColumnNumber(frame);
    if (typeof file !== 'string' || typeof line !== 'number' || typeof column !== 'number') return undefined;
    const text = host.sourceLine(file, line);
    if (typeof text !== 'string' || column < 1 || column > text.length) return undefined;
    return { text, index: column - 1 };
  }

  const isIdent = (c) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x24 || c > 0x7f;
  const code = (text, i) => StringPrototypeCharCodeAt(text, i);
  const OPEN = { 0x5d: 0x5b, 0x29: 0x28 };

  // Index just past the string literal starting at `i` (a quote).
  function skipString(text, i) {
    const quote = code(text, i);
    for (i++; i < text.length; i++) {
      const c = code(text, i);
      if (c === 0x5c) i++;
      else if (c === quote) return i + 1;
    }
    return text.length;
  }

  // Index of the `(` that calls the expression QuickJS points into: the
  // first one outside any bracket from `i` on (stepping out of a bracket
  // `i` is inside, as for `o[k]()`, where QuickJS points at `k`).
  function callParen(text, i) {
    let depth = 0;
    while (i < text.length) {
      const c = code(text, i);
      if (c === 0x22 || c === 0x27 || c === 0x60) { i = skipString(text, i); continue; }
      if (c === 0x28 && depth <= 0) return i;
      if (c === 0x28 || c === 0x5b) depth++;
      else if (c === 0x29 || c === 0x5d) depth--;
      else if (depth <= 0 && !isIdent(c) && c !== 0x2e && c !== 0x3f && c !== 0x20) return -1;
      i++;
    }
    return -1;
  }

  // Index where the member chain ending just before `end` starts
  // (`o.a[k].b(...).c` — identifiers, `.`, `?.`, brackets and calls).
  function chainStart(text, end) {
    let i = end;
    while (i > 0 && code(text, i - 1) === 0x20) i--;
    let wantOperand = true;
    while (i > 0) {
      const c = code(text, i - 1);
      if (wantOperand && isIdent(c)) {
        while (i > 0 && isIdent(code(text, i - 1))) i--;
        wantOperand = false;
      } else if (c === 0x5d || c === 0x29) {
        // A bracket or an argument list: find its opening.
        let depth = 0;
        let j = i - 1;
        for (; j >= 0; j--) {
          const d = code(text, j);
          if (d === c) depth++;
          else if (d === OPEN[c] && --depth === 0) break;
        }
        if (j < 0) return -1;
        i = j;
        wantOperand = true;
      } else if (!wantOperand && c === 0x2e) {
        i--;
        if (i > 0 && code(text, i - 1) === 0x3f) i--;
        wantOperand = true;
      } else {
        break;
      }
    }
    return wantOperand ? -1 : i;
  }

  // V8 prints `o['a'](x).b` as `o.a(...).b`.
  function v8Expression(source) {
    let out = '';
    let i = 0;
    while (i < source.length) {
      const c = code(source, i);
      if (c === 0x28) {
        let depth = 0;
        let j = i;
        for (; j < source.length; j++) {
          const d = code(source, j);
          if (d === 0x28) depth++;
          else if (d === 0x29 && --depth === 0) break;
        }
        out += '(...)';
        i = j + 1;
      } else if (c === 0x5b) {
        const close = skipBracket(source, i);
        const inner = StringPrototypeTrim(StringPrototypeSlice(source, i + 1, close));
        const quoted = RegExpPrototypeExec(/^(['"])(.*)\1$/s, inner);
        out += quoted !== null ? '.' + quoted[2] : '[' + inner + ']';
        i = close + 1;
      } else {
        out += source[i];
        i++;
      }
    }
    return out;
  }

  function skipBracket(source, i) {
    let depth = 0;
    for (; i < source.length; i++) {
      const c = code(source, i);
      if (c === 0x22 || c === 0x27) { i = skipString(source, i) - 1; continue; }
      if (c === 0x5b) depth++;
      else if (c === 0x5d && --depth === 0) return i;
    }
    return source.length;
  }

  // The callee of the call QuickJS points into, as V8 prints it, and
  // whether it is called with `new`.
  function callee(frames) {
    const at = pointAt(frames);
    if (at === undefined) return undefined;
    const paren = callParen(at.text, at.index);
    if (paren < 0) return undefined;
    const start = chainStart(at.text, paren);
    if (start < 0 || start > at.index) return undefined;
    const before = StringPrototypeTrim(StringPrototypeSlice(at.text, 0, start));
    return {
      name: v8Expression(StringPrototypeTrim(StringPrototypeSlice(at.text, start, paren))),
      isNew: RegExpPrototypeTest(/(^|[^\w$.])new$/, before),
    };
  }

  // The expression after `of` or `...` that QuickJS points at.
  function iterated(frames) {
    const at = pointAt(frames);
    if (at === undefined) return undefined;
    const before = StringPrototypeSlice(at.text, 0, at.index);
    // Only `for...of` and spreads: for array destructuring QuickJS points
    // at another line, so its message stays QuickJS's.
    if (!RegExpPrototypeTest(/(\bof\s+|\.\.\.\s*)$/, before)) return undefined;
    let end = at.index;
    while (end < at.text.length) {
      const c = code(at.text, end);
      if (isIdent(c) || c === 0x2e || c === 0x3f) end++;
      else if (c === 0x5b) end = skipBracket(at.text, end) + 1;
      else if (c === 0x28) {
        let depth = 0;
        for (; end < at.text.length; end++) {
          const d = code(at.text, end);
          if (d === 0x28) depth++;
          else if (d === 0x29 && --depth === 0) break;
        }
        end++;
      } else break;
    }
    const expression = StringPrototypeTrim(StringPrototypeSlice(at.text, at.index, end));
    return expression === '' ? undefined : v8Expression(expression);
  }

  // Whether QuickJS points at an assignment to the plain name `name`.
  function assignsName(frames, name) {
    const at = pointAt(frames);
    if (at === undefined) return false;
    const rest = StringPrototypeSlice(at.text, at.index);
    if (StringPrototypeSlice(rest, 0, name.length) !== name) return false;
    if (at.index > 0 && (isIdent(code(at.text, at.index - 1)) || code(at.text, at.index - 1) === 0x2e)) return false;
    return RegExpPrototypeTest(/^\s*([-+*/%&|^]|\*\*|<<|>>>?|&&|\|\||\?\?)?=(?!=)|^\s*(\+\+|--)/, StringPrototypeSlice(rest, name.length));
  }

  // ---- the messages -------------------------------------------------------

  // V8's wording of an error QuickJS made with `message`, or undefined when
  // the message is not one QuickJS words differently (or V8's text would
  // need what the error does not tell: the value that was not callable).
  rt.nodeErrorMessage = function (message, frames) {
    let m = RegExpPrototypeExec(/^cannot (read|set) property '(.*)' of (undefined|null)$/s, message);
    if (m !== null) {
      if (m[1] === 'read' && m[2] === 'Symbol.iterator') return `${iterated(frames) ?? m[3]} is not iterable`;
      return m[1] === 'read'
        ? `Cannot read properties of ${m[3]} (reading '${m[2]}')`
        : `Cannot set properties of ${m[3]} (setting '${m[2]}')`;
    }
    if (message === 'not a function' || message === 'not a constructor') {
      const call = callee(frames);
      if (call === undefined) return undefined;
      return `${call.name} is not a ${call.isNew || message === 'not a constructor' ? 'constructor' : 'function'}`;
    }
    if (message === 'value is not iterable') {
      const expression = iterated(frames);
      return expression === undefined ? undefined : `${expression} is not iterable`;
    }
    m = RegExpPrototypeExec(/^'(.*)' is read-only$/s, message);
    if (m !== null) return assignsName(frames, m[1]) ? 'Assignment to constant variable.' : undefined;
    m = RegExpPrototypeExec(/^(.*) is not initialized$/s, message);
    if (m !== null) return `Cannot access '${m[1]}' before initialization`;
    if (message === 'invalid array length') return 'Invalid array length';
    if (message === 'cannot convert symbol to string') return 'Cannot convert a Symbol value to a string';
    if (message === 'empty array') return 'Reduce of empty array with no initial value';
    return undefined;
  };

  // ---- JSON.parse ---------------------------------------------------------

  // V8's message for `JSON.parse(source)`, found by reading the text as
  // V8's JSON parser does (src/json/json-parser.cc): the first error it
  // would report, at the position it would report it. Undefined when the
  // text is valid JSON.
  rt.nodeJsonErrorMessage = function (source) {
    const n = source.length;
    let i = 0;
    let failure;
    const fail = (template, at) => { failure = { template, at }; return false; };
    const c = () => (i < n ? code(source, i) : -1);
    const isDigit = (d) => d >= 0x30 && d <= 0x39;
    const skipSpace = () => { while (i < n) { const d = code(source, i); if (d === 0x20 || d === 0x09 || d === 0x0a || d === 0x0d) i++; else break; } };
    const unexpected = () => fail(undefined, i);

    const literal = (word) => {
      for (let k = 1; k < word.length; k++) {
        i++;
        if (i >= n) return unexpected();
        if (code(source, i) !== code(word, k)) return unexpected();
      }
      i++;
      return true;
    };
    const string = () => {
      for (i++; ; i++) {
        if (i >= n) return fail('Unterminated string in JSON', n);
        const d = code(source, i);
        if (d === 0x22) { i++; return true; }
        if (d < 0x20) return fail('Bad control character in string literal in JSON', i);
        if (d === 0x5c) {
          i++;
          if (i >= n) return unexpected();
          const e = code(source, i);
          if (e === 0x75) {
            for (let k = 0; k < 4; k++) {
              i++;
              const h = i < n ? code(source, i) : -1;
              if (!(isDigit(h) || (h >= 0x41 && h <= 0x46) || (h >= 0x61 && h <= 0x66))) return fail('Bad Unicode escape in JSON', i);
            }
          } else if (!RegExpPrototypeTest(/["\\/bfnrt]/, source[i])) {
            return fail('Bad escaped character in JSON', i);
          }
        }
      }
    };
    const number = () => {
      if (c() === 0x2d) {
        i++;
        if (!isDigit(c())) return fail('No number after minus sign in JSON', i);
      }
      if (c() === 0x30) {
        i++;
        if (isDigit(c())) return unexpected();
      } else {
        while (isDigit(c())) i++;
      }
      if (c() === 0x2e) {
        i++;
        if (!isDigit(c())) return fail('Unterminated fractional number in JSON', i);
        while (isDigit(c())) i++;
      }
      if (c() === 0x65 || c() === 0x45) {
        i++;
        if (c() === 0x2b || c() === 0x2d) i++;
        if (!isDigit(c())) return fail('Exponent part is missing a number in JSON', i);
        while (isDigit(c())) i++;
      }
      return true;
    };
    // A value, with the containers it opens kept on an explicit stack so
    // deep nesting cannot exhaust the call stack.
    const containers = [];
    const value = () => {
      for (;;) {
        skipSpace();
        const d = c();
        if (d === 0x7b) {
          i++;
          skipSpace();
          if (c() === 0x7d) { i++; return true; }
          if (c() !== 0x22) return fail("Expected property name or '}' in JSON", i);
          if (!string()) return false;
          skipSpace();
          if (c() !== 0x3a) return fail("Expected ':' after property name in JSON", i);
          i++;
          containers[containers.length] = 0x7d;
          continue;
        }
        if (d === 0x5b) {
          i++;
          skipSpace();
          if (c() === 0x5d) { i++; return true; }
          containers[containers.length] = 0x5d;
          continue;
        }
        if (d === 0x22) return string();
        if (d === 0x2d || isDigit(d)) return number();
        if (d === 0x74) return literal('true');
        if (d === 0x66) return literal('false');
        if (d === 0x6e) return literal('null');
        return unexpected();
      }
    };
    const document = () => {
      if (!value()) return false;
      while (containers.length > 0) {
        skipSpace();
        const close = containers[containers.length - 1];
        const d = c();
        if (d === 0x2c) {
          i++;
          if (close === 0x7d) {
            skipSpace();
            if (c() !== 0x22) return fail('Expected double-quoted property name in JSON', i);
            if (!string()) return false;
            skipSpace();
            if (c() !== 0x3a) return fail("Expected ':' after property name in JSON", i);
            i++;
          }
          if (!value()) return false;
        } else if (d === close) {
          i++;
          containers.length--;
        } else {
          return fail(close === 0x7d ? "Expected ',' or '}' after property value in JSON" : "Expected ',' or ']' after array element in JSON", i);
        }
      }
      skipSpace();
      if (i < n) return fail('Unexpected non-whitespace character after JSON', i);
      return true;
    };
    if (document()) return undefined;

    const { template, at } = failure;
    if (template !== undefined) return positioned(source, template, at);
    if (at >= n) return 'Unexpected end of JSON input';
    const token = code(source, at);
    if (token === 0x2d || isDigit(token)) return positioned(source, 'Unexpected number in JSON', at);
    if (token === 0x22) return positioned(source, 'Unexpected string in JSON', at);
    if (source === 'undefined' || source === 'NaN' || source === 'Infinity' || source === '[object Object]') {
      return `"${source}" is not valid JSON`;
    }
    const ch = source[at];
    // V8 quotes the whole text when it is short, else ten characters
    // either side of the token.
    const context = 10;
    if (n < 2 * context + 1) return `Unexpected token '${ch}', "${source}" is not valid JSON`;
    if (at < context) return `Unexpected token '${ch}', "${StringPrototypeSlice(source, 0, at + context)}"... is not valid JSON`;
    if (at < n - context) return `Unexpected token '${ch}', ..."${StringPrototypeSlice(source, at - context, at + context)}"... is not valid JSON`;
    return `Unexpected token '${ch}', ..."${StringPrototypeSlice(source, at - context)}" is not valid JSON`;
  };

  // V8 12 (Node 22) gives the line and column after the position; a `\r\n`
  // counts as one line break.
  function positioned(source, template, at) {
    let line = 1;
    let lineStart = 0;
    for (let k = 0; k < at; k++) {
      const d = code(source, k);
      if (d === 0x0d && k + 1 < at && code(source, k + 1) === 0x0a) k++;
      if (d === 0x0d || d === 0x0a) { line++; lineStart = k + 1; }
    }
    return `${template} at position ${at} (line ${line} column ${at - lineStart + 1})`;
  }
});
