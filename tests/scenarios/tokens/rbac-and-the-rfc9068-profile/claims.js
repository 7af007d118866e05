exports.onExecutePostLogin = async (event, api) => {
  api.accessToken.setCustomClaim('https://app.acme.example/t', 1);
};
