exports.onExecutePostLogin = async (event, api) => {
  try {
    api.idToken.setCustomClaim('https://acme.example/tier', event.user.app_metadata.lookup());
  } catch (e) {
    console.log(`caught: ${e.message}`);
  }
  const tier = event.user.app_metadata.subscription.tier;
  api.idToken.setCustomClaim('https://acme.example/tier', tier);
};
