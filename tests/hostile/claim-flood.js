// Memory bomb on the host side: far more api calls than a login needs.
exports.onExecutePostLogin = async (event, api) => {
  const value = 'v'.repeat(1000);
  for (let i = 0; ; i++) api.idToken.setCustomClaim('https://a.example/c' + i, value);
};
