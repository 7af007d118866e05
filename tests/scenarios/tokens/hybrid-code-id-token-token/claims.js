exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://app.acme.example/plan', event.user.app_metadata.plan);
  api.accessToken.setCustomClaim('https://api.acme.example/plan', event.user.app_metadata.plan);
};
