exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('connection', event.connection.name);
};
