function (user, context, callback) {
  // The legacy scope word `connection` copies this attribute into the ID token...
  user.connection = context.connection;
  // ...but on /oauth/ro context.idToken has no effect.
  context.idToken['https://app.acme.example/connection'] = context.connection;
  callback(null, user, context);
}
