// Host-object walk: collect every function on the stack through V8's
// CallSite API and every function hanging off api, and call them all with
// hostile arguments. What it looks for is a privileged function: one that
// runs the handler again with a fresh api (the QuickJS form of vm2's
// CallSite escapes). Only actionbox's Rust calls the handler, so none exists.
let firstApi;
exports.onExecutePostLogin = async function handler(event, api) {
  if (firstApi === undefined) {
    firstApi = api;
  } else {
    if (api && typeof api === 'object' && api !== firstApi && api.idToken) console.log('FRESH API');
    return;
  }
  const found = new Set();
  Error.prepareStackTrace = (error, frames) => {
    for (const frame of frames) {
      try { const f = frame.getFunction(); if (typeof f === 'function') found.add(f); } catch (e) {}
    }
    return 'walked';
  };
  const poke = [Symbol('s'), { toString() { throw new Error('no'); } }, 1n, undefined];
  const walk = (obj, depth) => {
    if (!obj || depth > 3) return;
    for (const key of Object.getOwnPropertyNames(obj)) {
      let value;
      try { value = obj[key]; } catch (e) { continue; }
      if (typeof value === 'function') {
        found.add(value);
        for (const arg of poke) { try { value.call(obj, arg, arg); } catch (e) { String(e && e.stack); } }
      } else if (typeof value === 'object') {
        walk(value, depth + 1);
      }
    }
  };
  walk(api, 0);
  walk(globalThis, 0);
  for (const f of found) {
    for (const arg of poke) { try { f(arg, arg, arg); } catch (e) { String(e && e.stack); } }
  }
  console.log('functions found', found.size > 0);
};
