// Throws a value whose every property access throws.
exports.onExecutePostLogin = async () => {
  throw new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); } });
};
