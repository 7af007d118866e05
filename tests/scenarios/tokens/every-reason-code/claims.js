exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('roles', ['admin']);
  api.idToken.setCustomClaim('https://acme-dev.us.auth0.com/connection', 'x');
  api.idToken.setCustomClaim('https://app.acme.example/u', undefined);
  api.idToken.setCustomClaim('phone_number', '+1');
};
