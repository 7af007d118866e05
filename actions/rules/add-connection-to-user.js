/**
 * The classic Rule of the motivating case: it copies the connection name onto
 * the user, and a client that asks for the legacy scope
 * `openid email connection` (and is not OIDC-conformant) gets it in the ID
 * token. Its Action replacement has to set a namespaced custom claim instead
 * (see ../add-connection.js).
 */
function addConnectionToUser(user, context, callback) {
  user.connection = context.connection;
  callback(null, user, context);
}
