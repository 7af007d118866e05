const { claim, environment } = require('actions:claims-helper');

/**
 * Handler that will be called during the execution of a PostLogin flow.
 *
 * @param {Event} event - Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim(claim('login_source'), event.connection.name);
  api.idToken.setCustomClaim(claim('environment'), environment);
};
