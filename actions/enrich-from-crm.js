/**
 * Adds the customer's CRM tier to the tokens. The CRM call fails open: a
 * slow or broken CRM must not block logins.
 *
 * Secrets: CRM_API_KEY.
 */
exports.onExecutePostLogin = async (event, api) => {
  const url = new URL(`/v1/customers/${encodeURIComponent(event.user.user_id)}`, 'https://crm.acme.example');
  url.searchParams.set('fields', 'tier,segment');
  let customer;
  try {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${event.secrets.CRM_API_KEY}`, accept: 'application/json' },
      signal: AbortSignal.timeout(2000),
    });
    if (!response.ok) {
      console.warn(`CRM answered ${response.status} for ${event.user.user_id}`);
      return;
    }
    customer = await response.json();
  } catch (err) {
    console.warn(`CRM unavailable (${err.name}): ${err.message}`);
    return;
  }
  api.idToken.setCustomClaim('https://acme.example/tier', customer.tier);
  api.accessToken.setCustomClaim('https://acme.example/segment', customer.segment);
};
