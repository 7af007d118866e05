exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://a.example/login_at', event.authentication.methods[0].timestamp);
  api.idToken.setCustomClaim('https://a.example/country', event.request.geoip.country_code);
};
