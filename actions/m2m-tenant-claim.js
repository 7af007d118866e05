/**
 * Credentials-exchange: puts the calling service's team in its access
 * token, and refuses clients flagged as retired.
 */
exports.onExecuteCredentialsExchange = async (event, api) => {
  if (event.client.metadata.retired === 'true') {
    api.access.deny('invalid_request', `${event.client.name} is retired; use the new billing worker`);
    return;
  }
  api.accessToken.setCustomClaim('https://api.acme.example/team', event.client.metadata.team || 'unknown');
};
