exports.onExecutePostLogin = async (event, api) => {
  const post = (headers, user) => fetch('https://crm.acme.example/v1/logins', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ user, account: event.secrets.CRM_API_KEY, client_secret: 'not-a-known-secret' }),
  });
  const pro = await post({ 'X-Tenant': 'acme-dev' }, { id: event.user.user_id, plan: event.user.app_metadata.plan });
  console.log('pro plan:', pro.status, (await pro.json()).tier);
  const free = await post({ 'X-Tenant': 'acme-dev' }, { id: event.user.user_id, plan: 'free' });
  console.log('free plan:', free.status);
  const anonymous = await post({}, { id: event.user.user_id, plan: 'pro' });
  console.log('no tenant header:', anonymous.status);
};
