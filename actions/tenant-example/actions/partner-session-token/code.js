const jwt = require('jsonwebtoken');

/**
 * Gives the Acme Web application a short-lived token for the partner portal,
 * signed with a secret the portal shares with the tenant.
 *
 * @param {Event} event - Details about the user and the context in which they are logging in.
 * @param {PostLoginAPI} api - Interface whose methods can be used to change the behavior of the login.
 */
exports.onExecutePostLogin = async (event, api) => {
  if (event.client.name !== 'Acme Web') {
    return;
  }
  const token = jwt.sign({ sub: event.user.user_id, email: event.user.email }, event.secrets.PARTNER_SIGNING_KEY, {
    issuer: 'https://##TENANT_DOMAIN##/',
    audience: 'https://partners.acme.example',
    expiresIn: '5m',
  });
  api.idToken.setCustomClaim('https://app.acme.example/partner_token', token);
};
