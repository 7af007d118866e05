// Deep recursion, also inside a toJSON the host serialises.
exports.onExecutePostLogin = async (event, api) => {
  const deep = { toJSON() { return deep.toJSON(); } };
  api.idToken.setCustomClaim('https://a.example/deep', deep);
};
