// The Node side of `actionbox bench --compare-node`: runs one Action the way
// docs/performance.md's Node baseline does — Node's vm module, a fresh context per
// execution, the script compiled once — and prints what it measured as
// JSON. Each execution: a context, the module code, the event parsed, the
// handler awaited with an api that records every call, the calls
// serialised (event in → commands out).
//
// When RUNTIME_DIR is given (post-login), the api is actionbox's own
// post-login facade (js-runtime/primordials.js and post-login-api.js, and
// post-login-extras.js when a script reaches for it) run in each fresh
// context, so both engines do the same facade work per execution: a fresh
// global, the facade built, the event parsed, the script's module code and
// handler run, the calls recorded as JSON. actionbox's core.js (console,
// timers, require) is not loaded on the Node side: Node has its own.
//
// node bench-node.js SCRIPT EVENT HANDLER ITERATIONS DURATION_MS WARMUP [RUNTIME_DIR]
'use strict';
const vm = require('vm');
const fs = require('fs');

const [scriptPath, eventPath, handler, iterationsArg, durationArg, warmupArg, runtimeDir] = process.argv.slice(2);
const runtime = runtimeDir
  ? ['primordials.js', 'post-login-api.js'].map((name) => new vm.Script(fs.readFileSync(`${runtimeDir}/${name}`, 'utf8'), { filename: name }))
  : null;
const source = fs.readFileSync(scriptPath, 'utf8');
const eventText = fs.readFileSync(eventPath, 'utf8');
const compiled = new vm.Script(`(function (exports, require, module) {${source}\n})`, { filename: scriptPath });
const quiet = { log() {}, info() {}, warn() {}, error() {}, debug() {} };

// An api whose every method records its call: `api.idToken.setCustomClaim(k, v)`.
function recorder(calls, path) {
  const fn = function () {};
  return new Proxy(fn, {
    get(_, key) {
      if (typeof key === 'symbol' || key === 'then') return undefined;
      return recorder(calls, path ? `${path}.${key}` : key);
    },
    apply(_, __, args) {
      calls.push([path, args]);
      return undefined;
    },
  });
}

// The host functions the facade calls, as actionbox's host provides them.
function facadeApi(context, event, calls) {
  const hs256 = (secret, data) => require('crypto').createHmac('sha256', secret).update(data).digest('base64url');
  const host = {
    record(call, json) { calls.push([call, json]); },
    fixedNow() { return undefined; },
    hs256Sign(secret, payload) {
      const input = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
      return `${input}.${hs256(secret, input)}`;
    },
    hs256Verify(token, secret) {
      const [header, payload, signature] = String(token).split('.');
      if (hs256(secret, `${header}.${payload}`) !== signature) return ['The token signature is invalid.', ''];
      return ['', Buffer.from(payload, 'base64url').toString()];
    },
  };
  const rt = { URL, describeReceived: (v) => String(v) };
  // The rarely used parts of the facade, loaded on first use as actionbox does.
  rt.load = (name) => new vm.Script(fs.readFileSync(`${runtimeDir}/${name}.js`, 'utf8')).runInContext(context)(host, rt);
  for (const file of runtime) file.runInContext(context)(host, rt);
  return rt.createPostLoginApi(event, {});
}

async function once() {
  const context = vm.createContext({ console: quiet });
  const event = JSON.parse(eventText);
  const calls = [];
  const api = runtime ? facadeApi(context, event, calls) : recorder(calls, '');
  const wrapper = compiled.runInContext(context);
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, require, module);
  await module.exports[handler](event, api);
  return JSON.stringify(calls);
}

async function main() {
  for (let i = 0; i < Number(warmupArg); i++) await once();
  const iterations = Number(iterationsArg);
  const duration = Number(durationArg);
  const samples = [];
  let peakRss = process.memoryUsage().rss;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const end = started + BigInt(duration) * 1000000n;
  for (;;) {
    if (iterations > 0 ? samples.length >= iterations : process.hrtime.bigint() >= end) break;
    const t0 = process.hrtime.bigint();
    await once();
    samples.push(Number(process.hrtime.bigint() - t0) / 1000);
    if ((samples.length & 255) === 0) peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  // Every thread of the process: V8's collector and compiler threads too.
  const cpu = process.cpuUsage(cpuBefore);
  samples.sort((a, b) => a - b);
  const at = (q) => Math.round(samples[Math.round((samples.length - 1) * q)]);
  process.stdout.write(JSON.stringify({
    node: process.version,
    executions: samples.length,
    elapsed_ms: Math.round(elapsedMs),
    executions_per_second: samples.length / (elapsedMs / 1000),
    latency_us: {
      mean: Math.round(samples.reduce((a, b) => a + b, 0) / samples.length),
      p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(samples[samples.length - 1]),
    },
    peak_rss_kib: Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1024),
    cpu_us_per_execution: (cpu.user + cpu.system) / samples.length,
  }));
}

main().catch((err) => {
  process.stderr.write(`${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
