exports.onExecutePostLogin = async (event, api) => {
  // Auth0 KB (community 125226): on a password grant the access token gets
  // no `email` set by a script; the namespaced one is the workaround.
  api.accessToken.setCustomClaim('email', event.user.email);
  api.accessToken.setCustomClaim('https://app.acme.example/email', event.user.email);
  api.idToken.setCustomClaim('email', event.user.email);
};
