function (user, context, callback) {
  callback(new Error('Not today'));
}
