exports.onExecutePostLogin = async (event, api) => {
  api.idToken.setCustomClaim('https://a.example/same', 1)
    .idToken.setCustomClaim('https://a.example/differs', 'action')
    .idToken.setCustomClaim('https://a.example/only-action', true);
};
