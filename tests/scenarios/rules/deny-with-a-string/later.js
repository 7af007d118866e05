function (user, context, callback) {
  console.log('ran');
  callback(null, user, context);
}
