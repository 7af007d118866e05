function (user, context, callback) {
  console.log('rule');
  user.connection = context.connection;
  auth0.users.updateAppMetadata(user.user_id, { plan: 'enterprise' }).then(() => callback(null, user, context));
}
