exports.onExecutePostLogin = async (event, api) => {
  api.accessToken.setCustomClaim('https://api.acme.example/tier', 'gold');
};
