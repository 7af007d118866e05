function (user, context, callback) {
  callback(null, user, context);
  callback(new Error('too late'));
}
