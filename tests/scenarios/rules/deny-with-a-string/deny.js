function (user, context, callback) {
  callback('You can not log in');
}
