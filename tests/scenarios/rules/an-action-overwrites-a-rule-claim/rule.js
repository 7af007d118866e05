function (user, context, callback) {
  context.idToken['https://app.acme.example/tier'] = 'rule';
  callback(null, user, context);
}
