/**
 * Puts the user's roles (kept in app_metadata) in both tokens, under a
 * namespace of the application's own domain.
 */
function addRolesClaim(user, context, callback) {
  const namespace = 'https://app.acme.example/';
  const roles = (user.app_metadata && user.app_metadata.roles) || [];
  context.idToken[namespace + 'roles'] = roles;
  context.accessToken[namespace + 'roles'] = roles;
  callback(null, user, context);
}
