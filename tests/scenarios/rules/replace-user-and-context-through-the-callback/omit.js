function (user, context, callback) {
  user.also = 1;
  callback(null);
}
