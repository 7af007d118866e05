/**
 * Records, once, when and through which application the user first logged
 * in, in app_metadata, through the restricted Management API client Rules get.
 */
async function recordFirstLogin(user, context, callback) {
  user.app_metadata = user.app_metadata || {};
  if (user.app_metadata.first_login) {
    return callback(null, user, context);
  }
  user.app_metadata.first_login = { at: new Date().toISOString(), client: context.clientName };
  try {
    await auth0.users.updateAppMetadata(user.user_id, user.app_metadata);
    callback(null, user, context);
  } catch (err) {
    callback(err);
  }
}
