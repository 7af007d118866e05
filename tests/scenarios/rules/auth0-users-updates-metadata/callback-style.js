function (user, context, callback) {
  user.user_metadata = user.user_metadata || {};
  user.user_metadata.theme = 'light';
  auth0.users.updateUserMetadata(user.user_id, user.user_metadata, function (err, updated) {
    console.log(String(err), updated.user_metadata.theme, auth0.domain, auth0.baseUrl);
    callback(err, user, context);
  });
}
