exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://app.acme.example/tier', 'action');
};
