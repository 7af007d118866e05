exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('email', 'other@acme.example');
};
