/**
 * Another replacement of the "connection" Rule, for tenants with Auth0's
 * current custom-claim rules (since July 2022): a non-namespaced
 * `connection` claim, exactly the name the Rule's legacy scope produced, so
 * applications need no change.
 */
exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('connection', event.connection.name);
};
