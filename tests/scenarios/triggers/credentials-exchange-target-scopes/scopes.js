exports.onExecuteCredentialsExchange = async (event, api) => {
  api.transaction.setTargetScopes(['read:invoices', 'admin:everything']);
  console.log(JSON.stringify(event.transaction.target_scopes));
  try { api.transaction.addTargetScope('two words'); } catch (e) { console.log(e.message); }
};
