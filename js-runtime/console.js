// console, loaded the first time a script (or the runtime) touches it:
// every method formats like Node's and hands one line to the host, which
// attributes it to the running script and caps the total size.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectDefineProperty, ObjectCreate } = p;
  function define(target, name, value) {
    ObjectDefineProperty(target, name, { value, writable: true, configurable: true, enumerable: false });
  }

  const counts = ObjectCreate(null);
  const timers = ObjectCreate(null);
  let groupIndent = '';
  // Once the host's log cap is reached, nothing more is formatted.
  let full = false;
  const log = (level, text) => {
    if (!host.log(level, text)) full = true;
  };
  const emit = (level) => function (...args) {
    if (full) return;
    const text = rt.formatArgs(args);
    // Split on a string, not a RegExp: a script can replace RegExp methods.
    log(level, groupIndent === '' ? text : groupIndent + p.ArrayPrototypeJoin(p.StringPrototypeSplit(text, '\n'), '\n' + groupIndent));
  };
  const console = ObjectCreate(p.Object.prototype);
  define(console, 'log', emit('log'));
  define(console, 'info', emit('info'));
  define(console, 'debug', emit('debug'));
  define(console, 'warn', emit('warn'));
  define(console, 'error', emit('error'));
  define(console, 'trace', function (...args) {
    if (full) return;
    log('error', 'Trace: ' + rt.formatArgs(args));
  });
  define(console, 'dir', function (value, options) {
    if (full) return;
    log('log', rt.inspect(value, options));
  });
  define(console, 'table', emit('log'));
  define(console, 'assert', function (condition, ...args) {
    if (!condition && !full) {
      const text = args.length === 0 ? 'Assertion failed' : 'Assertion failed: ' + rt.formatArgs(args);
      log('error', text);
    }
  });
  define(console, 'count', function (label = 'default') {
    label = `${label}`;
    counts[label] = (counts[label] || 0) + 1;
    log('info', `${label}: ${counts[label]}`);
  });
  define(console, 'countReset', function (label = 'default') {
    delete counts[`${label}`];
  });
  define(console, 'group', function (...args) {
    if (args.length > 0 && !full) log('log', groupIndent + rt.formatArgs(args));
    groupIndent += '  ';
  });
  define(console, 'groupCollapsed', console.group);
  define(console, 'groupEnd', function () {
    groupIndent = p.StringPrototypeSlice(groupIndent, 0, -2);
  });
  define(console, 'time', function (label = 'default') {
    timers[`${label}`] = host.monotonicMs();
  });
  const timeLog = (end) => function (label = 'default', ...data) {
    label = `${label}`;
    const start = timers[label];
    if (start === undefined) {
      log('warn', `Warning: No such label '${label}' for console.time${end ? 'End' : 'Log'}()`);
      return;
    }
    if (end) delete timers[label];
    if (full) return;
    const ms = host.monotonicMs() - start;
    const extra = data.length > 0 ? ' ' + rt.formatArgs(data) : '';
    log('info', `${label}: ${p.NumberPrototypeToFixed(ms, 3)}ms${extra}`);
  };
  define(console, 'timeLog', timeLog(false));
  define(console, 'timeEnd', timeLog(true));
  rt.globals.console = console;
  ObjectDefineProperty(rt, 'console', { value: console, writable: true, configurable: true });
})
