// The assert module (and assert/strict): the assertions scripts use to
// validate their input, throwing AssertionError with Node's code, operator,
// actual and expected. Messages follow Node's first line; Node's
// source-quoting diffs are not reproduced.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectIs, ObjectKeys, ArrayIsArray, TypeError } = p;
  rt.load('node/util');

  class AssertionError extends p.Error {
    constructor(options) {
      const { message, actual, expected, operator } = options;
      super(message);
      this.generatedMessage = !options.userMessage;
      this.code = 'ERR_ASSERTION';
      this.actual = actual;
      this.expected = expected;
      this.operator = operator;
    }
    get name() { return 'AssertionError'; }
  }

  const show = (value) => rt.inspect(value, { depth: 1000, sorted: true });

  function fail(message, fields) {
    if (message instanceof p.Error) throw message;
    throw new AssertionError({ ...fields, message: message === undefined ? fields.generated : `${message}`, userMessage: message !== undefined });
  }

  // deepEqual's loose comparison: == for primitives, prototypes ignored.
  function looseEqual(a, b, seen) {
    if (a === b || (a !== a && b !== b)) return true;
    if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
      return (typeof a !== 'object' || a === null) && (typeof b !== 'object' || b === null) && a == b; // eslint-disable-line eqeqeq
    }
    if (host.brand(a) !== host.brand(b)) return false;
    if (a instanceof p.Date && b instanceof p.Date) return p.DatePrototypeGetTime(a) === p.DatePrototypeGetTime(b);
    if (a instanceof p.RegExp && b instanceof p.RegExp) return `${a}` === `${b}`;
    for (let i = 0; i < seen.length; i++) if (seen[i][0] === a && seen[i][1] === b) return true;
    p.ArrayPrototypePush(seen, [a, b]);
    if (ArrayIsArray(a) !== ArrayIsArray(b)) return false;
    const ka = ObjectKeys(a);
    const kb = ObjectKeys(b);
    if (ka.length !== kb.length) return false;
    for (let i = 0; i < ka.length; i++) {
      if (!p.ObjectPrototypeHasOwnProperty(b, ka[i]) || !looseEqual(a[ka[i]], b[ka[i]], seen)) return false;
    }
    return true;
  }

  function ok(...args) {
    if (args.length === 0) {
      fail(undefined, { actual: undefined, expected: true, operator: '==', generated: 'No value argument passed to `assert.ok()`' });
    }
    if (!args[0]) {
      fail(args[1], { actual: args[0], expected: true, operator: '==', generated: `The expression evaluated to a falsy value:\n\n  assert.ok(${show(args[0])})\n` });
    }
  }

  const assertions = {
    fail(message) {
      fail(message === undefined ? undefined : message, { operator: 'fail', generated: 'Failed' });
    },
    ok,
    equal(actual, expected, message) {
      if (!(actual == expected || (actual !== actual && expected !== expected))) { // eslint-disable-line eqeqeq
        fail(message, { actual, expected, operator: '==', generated: `${show(actual)} == ${show(expected)}` });
      }
    },
    notEqual(actual, expected, message) {
      if (actual == expected || (actual !== actual && expected !== expected)) { // eslint-disable-line eqeqeq
        fail(message, { actual, expected, operator: '!=', generated: `${show(actual)} != ${show(expected)}` });
      }
    },
    strictEqual(actual, expected, message) {
      if (!ObjectIs(actual, expected)) {
        fail(message, { actual, expected, operator: 'strictEqual', generated: `Expected values to be strictly equal:\n\n${show(actual)} !== ${show(expected)}\n` });
      }
    },
    notStrictEqual(actual, expected, message) {
      if (ObjectIs(actual, expected)) {
        fail(message, { actual, expected, operator: 'notStrictEqual', generated: `Expected "actual" to be strictly unequal to: ${show(expected)}` });
      }
    },
    deepEqual(actual, expected, message) {
      if (!looseEqual(actual, expected, [])) {
        fail(message, { actual, expected, operator: 'deepEqual', generated: `Expected values to be loosely deep-equal:\n\n${show(actual)}\n\nshould loosely deep-equal\n\n${show(expected)}` });
      }
    },
    notDeepEqual(actual, expected, message) {
      if (looseEqual(actual, expected, [])) {
        fail(message, { actual, expected, operator: 'notDeepEqual', generated: `"actual" deepEqual "expected"` });
      }
    },
    deepStrictEqual(actual, expected, message) {
      if (!rt.isDeepStrictEqual(actual, expected)) {
        fail(message, { actual, expected, operator: 'deepStrictEqual', generated: `Expected values to be strictly deep-equal:\n+ actual - expected\n\n+ ${show(actual)}\n- ${show(expected)}` });
      }
    },
    notDeepStrictEqual(actual, expected, message) {
      if (rt.isDeepStrictEqual(actual, expected)) {
        fail(message, { actual, expected, operator: 'notDeepStrictEqual', generated: `Expected "actual" not to be strictly deep-equal to: ${show(expected)}` });
      }
    },
    match(string, regexp, message) {
      if (!(regexp instanceof p.RegExp)) {
        const err = new TypeError(`The "regexp" argument must be an instance of RegExp. Received ${rt.describeReceived(regexp)}`);
        err.code = 'ERR_INVALID_ARG_TYPE';
        throw err;
      }
      if (typeof string !== 'string' || !p.RegExpPrototypeTest(regexp, string)) {
        fail(message, { actual: string, expected: regexp, operator: 'match', generated: typeof string !== 'string'
          ? `The "string" argument must be of type string. Received type ${typeof string} (${show(string)})`
          : `The input did not match the regular expression ${regexp}. Input:\n\n${show(string)}\n` });
      }
    },
    doesNotMatch(string, regexp, message) {
      if (typeof string === 'string' && p.RegExpPrototypeTest(regexp, string)) {
        fail(message, { actual: string, expected: regexp, operator: 'doesNotMatch', generated: `The input was expected to not match the regular expression ${regexp}. Input:\n\n${show(string)}\n` });
      }
    },
    ifError(value) {
      if (value !== null && value !== undefined) {
        const shown = value instanceof p.Error ? value.message : show(value);
        fail(undefined, { actual: value, expected: null, operator: 'ifError', generated: `ifError got unwanted exception: ${shown}` });
      }
    },
    throws(fn, expected, message) {
      let threw = false;
      let error;
      try {
        fn();
      } catch (e) {
        threw = true;
        error = e;
      }
      if (!threw) {
        if (typeof expected === 'string') {
          message = expected;
          expected = undefined;
        }
        fail(message, { actual: undefined, expected, operator: 'throws', generated: `Missing expected exception${message ? `: ${message}` : '.'}` });
      }
      check(error, expected, message, 'throws');
    },
    doesNotThrow(fn, message) {
      try {
        fn();
      } catch (e) {
        const why = typeof message === 'string' ? `: ${message}` : '.';
        fail(undefined, { actual: e, operator: 'doesNotThrow', generated: `Got unwanted exception${why}\nActual message: "${e && e.message}"` });
      }
    },
    async rejects(promiseOrFn, expected, message) {
      const promise = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn;
      let rejected = false;
      let error;
      try {
        await promise;
      } catch (e) {
        rejected = true;
        error = e;
      }
      if (!rejected) fail(typeof expected === 'string' ? expected : message, { operator: 'rejects', generated: 'Missing expected rejection.' });
      check(error, expected, message, 'rejects');
    },
    async doesNotReject(promiseOrFn) {
      const promise = typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn;
      try {
        await promise;
      } catch (e) {
        fail(undefined, { actual: e, operator: 'doesNotReject', generated: `Got unwanted rejection.\nActual message: "${e && e.message}"` });
      }
    },
  };

  // What throws/rejects accept as `expected`: a class, a RegExp on the
  // message, a validation function, or an object of properties.
  function check(error, expected, message, operator) {
    if (expected === undefined || typeof expected === 'string') return;
    if (expected instanceof p.RegExp) {
      if (!p.RegExpPrototypeTest(expected, `${error}`)) {
        fail(message, { actual: error, expected, operator, generated: `The input did not match the regular expression ${expected}. Input:\n\n${show(`${error}`)}\n` });
      }
      return;
    }
    if (typeof expected === 'function') {
      if (expected.prototype !== undefined && error instanceof expected) return;
      if (p.Error.isPrototypeOf(expected) || expected === p.Error) {
        fail(message, { actual: error, expected, operator, generated: `The error is expected to be an instance of "${expected.name}". Received "${error && error.constructor && error.constructor.name}"` });
      }
      if (p.ReflectApply(expected, {}, [error]) === true) return;
      fail(message, { actual: error, expected, operator, generated: `The ${expected.name ? `"${expected.name}" ` : ''}validation function is expected to return "true". Received ${show(p.ReflectApply(expected, {}, [error]))}` });
    }
    if (typeof expected === 'object' && expected !== null) {
      const keys = ObjectKeys(expected);
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const want = expected[key];
        const got = error === null || error === undefined ? undefined : error[key];
        const same = want instanceof p.RegExp && typeof got === 'string' ? p.RegExpPrototypeTest(want, got) : rt.isDeepStrictEqual(got, want);
        if (!same) {
          fail(message, { actual: error, expected, operator, generated: `Expected values to be strictly deep-equal:\n+ actual - expected\n\n  Comparison {\n+   ${key}: ${show(got)}\n-   ${key}: ${show(want)}\n  }` });
        }
      }
    }
  }

  function assert(...args) {
    return p.ReflectApply(ok, this, args);
  }
  const keys = ObjectKeys(assertions);
  for (let i = 0; i < keys.length; i++) assert[keys[i]] = assertions[keys[i]];
  assert.AssertionError = AssertionError;

  // assert/strict: the loose forms are the strict ones.
  function strict(...args) {
    return p.ReflectApply(ok, this, args);
  }
  for (let i = 0; i < keys.length; i++) strict[keys[i]] = assertions[keys[i]];
  strict.equal = assertions.strictEqual;
  strict.notEqual = assertions.notStrictEqual;
  strict.deepEqual = assertions.deepStrictEqual;
  strict.notDeepEqual = assertions.notDeepStrictEqual;
  strict.AssertionError = AssertionError;
  strict.strict = strict;
  assert.strict = strict;
  rt.assert = assert;
})
