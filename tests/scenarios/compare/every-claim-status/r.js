function (user, context, callback) {
  context.idToken['https://a.example/same'] = 1;
  context.idToken['https://a.example/differs'] = 'rule';
  context.idToken['https://a.example/only-rule'] = true;
  callback(null, user, context);
}
