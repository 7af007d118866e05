function (user, context, callback) {
  context.idToken['https://a.example/login_at'] = context.authentication.methods[0].timestamp;
  context.idToken['https://a.example/country'] = context.request.geoip.country_code;
  callback(null, user, context);
}
