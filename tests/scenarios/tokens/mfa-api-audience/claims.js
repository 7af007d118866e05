exports.onExecutePostLogin = async (event, api) => {
  api.accessToken.setCustomClaim('plain', 1);
  api.accessToken.setCustomClaim('https://app.acme.example/ns', 2);
};
