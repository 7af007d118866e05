exports.onExecutePostLogin = async (event, api) => {
  api.authentication.setPrimaryUser('auth0|primary');
};
