function (user, context, callback) {
  console.log(String(user.replaced), context.marker);
  callback(null, user, context);
}
