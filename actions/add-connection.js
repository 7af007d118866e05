/**
 * Adds the name of the connection the user logged in with to the ID token,
 * under a namespace of the application's own domain.
 *
 * This is the working replacement for the classic Rule
 * `user.connection = context.connection` used with the legacy scope
 * `openid email connection`.
 */
exports.onExecutePostLogin = async (event, api) => {
  const namespace = 'https://app.acme.example';
  api.idToken.setCustomClaim(`${namespace}/connection`, event.connection.name);
};
