/**
 * Post-user-registration: tells the CRM about the new user. Auth0 does not
 * wait for this Action, so a CRM outage cannot break sign-ups.
 *
 * Secrets: CRM_API_KEY.
 */
const axios = require('axios');

exports.onExecutePostUserRegistration = async (event) => {
  await axios.post('https://crm.acme.example/v1/contacts', {
    auth0_id: event.user.user_id,
    email: event.user.email,
    source: event.connection.name,
  }, {
    headers: { 'x-api-key': event.secrets.CRM_API_KEY },
    timeout: 3000,
  });
};
