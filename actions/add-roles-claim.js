/**
 * Action replacement of rules/add-roles-claim.js: the user's roles from
 * app_metadata in both tokens, under the application's own namespace.
 */
exports.onExecutePostLogin = async (event, api) => {
  const namespace = 'https://app.acme.example/';
  const roles = event.user.app_metadata.roles || [];
  api.idToken.setCustomClaim(namespace + 'roles', roles);
  api.accessToken.setCustomClaim(namespace + 'roles', roles);
};
