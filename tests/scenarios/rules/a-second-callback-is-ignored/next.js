function (user, context, callback) {
  console.log('next ran');
  callback(null, user, context);
}
