function (user, context, callback) {
  context.idToken['https://app.acme.example/a'] = 1;
  context.accessToken['https://app.acme.example/b'] = 2;
  context.accessToken.scope = ['openid', 'read:orders', 'read:reports'];
  context.multifactor = { provider: 'any', allowRememberBrowser: false };
  context.samlConfiguration.audience = 'urn:acme';
  context.samlConfiguration.mappings = { 'http://schemas.acme/plan': 'app_metadata.plan' };
  context.primaryUser = 'auth0|primary';
  callback(null, user, context);
}
