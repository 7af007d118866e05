function (user, context, callback) {
  console.log(String(user.also), context.marker);
  callback(null, user, context);
}
