/**
 * Refuses access tokens to machine-to-machine clients flagged as disabled in
 * their metadata, and tells the API which customer tenant a client serves.
 *
 * @param {Event} event - Details about the client credentials grant request.
 * @param {CredentialsExchangeAPI} api - Interface whose methods can be used to change the behavior of the client credentials grant.
 */
exports.onExecuteCredentialsExchange = async (event, api) => {
  const metadata = event.client.metadata || {};
  if (metadata.disabled === 'true') {
    api.access.deny('invalid_request', `The client ${event.client.name} is disabled.`);
    return;
  }
  api.accessToken.setCustomClaim('https://api.acme.example/customer', metadata.customer || 'acme');
};
