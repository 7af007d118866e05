function (user, context, callback) {
  console.log('key', configuration.API_KEY);
  context.idToken['https://app.acme.example/k'] = configuration.API_KEY;
  callback(null, user, context);
}
