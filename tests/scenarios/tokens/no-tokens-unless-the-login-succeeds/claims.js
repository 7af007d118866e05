exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://a.example/x', 1);
  api.access.deny('no');
};
