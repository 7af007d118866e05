function (user, context, callback) {
  user.picture = 'https://cdn.acme.example/default.png';
  callback(null, user, context);
}
