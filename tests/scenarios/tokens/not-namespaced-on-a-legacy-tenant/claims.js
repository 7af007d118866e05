exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('connection', 'x');
  api.accessToken.setCustomClaim('email', 'x');
};
