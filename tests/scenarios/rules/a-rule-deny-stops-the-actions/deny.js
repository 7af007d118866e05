function (user, context, callback) {
  callback(new Error('stop'));
}
