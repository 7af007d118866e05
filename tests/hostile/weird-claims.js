// Strange claim names and values: none may crash the host or the token.
exports.onExecutePostLogin = async (event, api) => {
  const names = ['', '__proto__', 'constructor', 'a\u0000b', '\ud800', 'x'.repeat(10000), 'https://a.example/\u{1F600}'];
  for (const name of names) api.idToken.setCustomClaim(name, name.length);
  const values = [NaN, Infinity, -0, 1e308 * 10, '\ud800', { __proto__: { inherited: 1 } }, [undefined, () => 1, Symbol('s')], new Date(0), /re/g, new Map([[1, 2]])];
  values.forEach((value, i) => api.idToken.setCustomClaim('https://a.example/v' + i, value));
  const rejected = [];
  const cyclic = {}; cyclic.self = cyclic;
  const throwing = { get boom() { throw new Error('getter'); } };
  const proxy = new Proxy({}, { ownKeys() { throw new Error('trap'); }, get() { throw new Error('trap'); } });
  let deep = []; for (let i = 0; i < 100000; i++) deep = [deep];
  for (const [label, value] of [['bigint', 10n], ['cycle', cyclic], ['getter', throwing], ['proxy', proxy], ['deep', deep]]) {
    try { api.idToken.setCustomClaim('https://a.example/' + label, value); } catch (e) { rejected.push(label + ':' + e.name); }
  }
  console.log(rejected.join(' '));
};
