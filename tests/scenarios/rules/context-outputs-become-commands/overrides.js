function (user, context, callback) {
  context.idToken['https://app.acme.example/a'] = 'second';
  callback(null, user, context);
}
