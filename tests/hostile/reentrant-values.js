// Values that run script code while the host converts them: toJSON,
// getters and Proxy traps that call the api again, in the middle of a call.
exports.onExecutePostLogin = async (event, api) => {
  const sneaky = {
    toJSON() {
      api.idToken.setCustomClaim('https://a.example/inner', 'from toJSON');
      api.user.setAppMetadata('inner', { nested: { toJSON() { api.accessToken.addScope('read:inner'); return 1; } } });
      return 'outer';
    },
  };
  api.idToken.setCustomClaim('https://a.example/outer', sneaky);
  const trap = new Proxy({}, {
    ownKeys() { api.idToken.setCustomClaim('https://a.example/trap', true); return ['k']; },
    getOwnPropertyDescriptor() { return { value: 'v', enumerable: true, configurable: true }; },
    get() { return 'v'; },
  });
  api.user.setUserMetadata('proxy', trap);
  const getter = { get value() { console.log('getter ran'); api.access.deny('from a getter'); return 1; } };
  api.idToken.setCustomClaim('https://a.example/getter', getter);
  Error.prepareStackTrace = () => { api.idToken.setCustomClaim('https://a.example/stack', true); return 'x'; };
  try { api.accessToken.addScope(Symbol('s')); } catch (e) { String(e.stack); }
  console.log('done');
};
