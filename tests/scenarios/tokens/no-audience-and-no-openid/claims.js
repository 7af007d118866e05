exports.onExecutePostLogin = async (event, api) => {
  api.accessToken.setCustomClaim('https://app.acme.example/t', 1);
  api.idToken.setCustomClaim('https://app.acme.example/i', 1);
};
