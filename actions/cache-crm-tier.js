/**
 * Looks up the customer's tier in the CRM at most once every ten minutes per
 * user, using the Actions cache, and puts it in the access token.
 * (The CRM call is simulated here so the example runs without a network.)
 */
async function lookUpTier(userId, apiKey) {
  // In production: await fetch(`https://crm.acme.example/tiers/${userId}`, { headers: { authorization: apiKey } })
  await new Promise((resolve) => setTimeout(resolve, 5));
  return apiKey ? (userId.endsWith('9') ? 'gold' : 'silver') : 'unknown';
}

exports.onExecutePostLogin = async (event, api) => {
  const key = `tier:${event.user.user_id}`;
  let tier = api.cache.get(key)?.value;
  if (tier === undefined) {
    tier = await lookUpTier(event.user.user_id, event.secrets.CRM_API_KEY);
    const stored = api.cache.set(key, tier, { ttl: 10 * 60 * 1000 });
    if (stored.type === 'error') {
      console.warn(`could not cache the tier: ${stored.code}`);
    }
  }
  api.accessToken.setCustomClaim('https://api.acme.example/tier', tier);
};
