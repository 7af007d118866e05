function (user, context, callback) {
  context.multifactor = { provider: 'any', allowRememberBrowser: false };
  auth0.users.updateAppMetadata(user.user_id, { plan: 'gold' }).then(() => callback(null, user, context));
}
