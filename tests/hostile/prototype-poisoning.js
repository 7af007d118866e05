// Poisons every builtin it can reach, then uses the api: the runtime must
// keep working here, and nothing may reach the next execution.
Object.prototype.polluted = 'yes';
Object.defineProperty(Object.prototype, 'then', { get() { throw new Error('poisoned then'); }, configurable: true });
Array.prototype.push = function () { throw new Error('poisoned push'); };
Array.prototype[Symbol.iterator] = function* () { yield 'poisoned'; };
// Binding reads these: the runtime uncurries builtins after this point.
// (A plain loop: array iteration is poisoned above.)
const callKeys = ['name', 'length'];
for (let i = 0; i < callKeys.length; i++) {
  try {
    Object.defineProperty(Function.prototype.call, callKeys[i], { get() { throw new Error('poisoned call.' + callKeys[i]); } });
  } catch (e) {
    // Refused: the runtime made them unchangeable before this script ran.
  }
}
Function.prototype.call = function () { throw new Error('poisoned call'); };
Function.prototype.apply = function () { throw new Error('poisoned apply'); };
JSON.stringify = () => '"poisoned"';
JSON.parse = () => ({ poisoned: true });
Promise.prototype.then = function () { throw new Error('poisoned then'); };
Promise.resolve = () => { throw new Error('poisoned resolve'); };
String.prototype.slice = () => 'poisoned';
Reflect.apply = () => 'poisoned';
// Buffer and inspect load after this line (on first use below).
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
TypedArrayPrototype.subarray = () => { throw new Error('poisoned subarray'); };
TypedArrayPrototype.fill = () => { throw new Error('poisoned fill'); };
TypedArrayPrototype.set = () => { throw new Error('poisoned set'); };
Number.prototype.valueOf = () => 'poisoned';
Map.prototype.get = () => 'poisoned';
Map.prototype.set = function () { return this; };
ArrayBuffer.isView = () => { throw new Error('poisoned isView'); };
// A species constructor sees the arrays made from the one it is asked for.
const speciesAsked = [];
Object.defineProperty(Uint8Array, Symbol.species, {
  get() {
    speciesAsked[speciesAsked.length] = 1;
    return Uint8Array;
  },
  configurable: true,
});
// Every descriptor the runtime writes from here on would inherit these,
// handing the getter the value being defined.
// (Only `get` and `set`: an inherited getter-only `value` would also stop
// every plain `x.value = ...` in strict code, the script's own included.)
const captured = [];
const descriptorKeys = ['get', 'set'];
for (let i = 0; i < descriptorKeys.length; i++) {
  const key = descriptorKeys[i];
  Object.defineProperty(Object.prototype, key, {
    get() {
      captured[captured.length] = key;
      return undefined;
    },
    configurable: true,
  });
}
globalThis.leak = 'leaked';
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://a.example/list', [1, 2, 3]);
  api.user.setAppMetadata('k', { nested: true });
  console.log('still', { logging: [1, 2] });
  console.log(Buffer.alloc(3, 1).toString('hex'), Buffer.alloc(3, 1).subarray(1).toString('hex'), new Number(3));
  console.log(Buffer.from('hi').toString('base64'), Buffer.from('6869', 'hex').toString(), Buffer.from([104, 105]).toString());
  const crypto = require('crypto');
  console.log(crypto.createSecretKey(Buffer.from('key')).export().toString(), crypto.getRandomValues(new Uint8Array(4)).length, typeof crypto.webcrypto.subtle.encrypt);
  console.log('descriptors read', captured.length);
  const asked = speciesAsked.length;
  Buffer.from('h\u00e9 there');
  console.log('species asked', speciesAsked.length - asked);
  const headers = new Headers({ b: '2', a: '1' });
  const names = headers.keys();
  console.log('headers', names.next().value, names.next().value, headers.get('a'));
};
