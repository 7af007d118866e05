function (user, context, callback) {
  context.accessToken.scope = 'openid read:reports';
  callback(null, user, context);
}
