function (user, context, callback) {
  console.log(context.clientID, context.connection, context.connectionStrategy, context.protocol);
  console.log(context.stats.loginsCount, context.request.geoip.country_code, context.request.userAgent);
  console.log(typeof context.authentication.methods[0].timestamp, JSON.stringify(context.idToken));
  console.log(user.user_id, user.plan, user.app_metadata.plan, typeof user.user_metadata);
  callback(null, user, context);
}
