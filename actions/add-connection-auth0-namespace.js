/**
 * A first attempt at migrating the "connection" Rule: it namespaces the claim
 * with the tenant's own Auth0 domain. Auth0 silently drops it, because
 * auth0.com is a reserved namespace. Compare with add-connection.js.
 */
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim(`https://${event.request.hostname}/connection`, event.connection.name);
};
