// Tries to get a secret out through every channel the output has.
exports.onExecutePostLogin = async (event, api) => {
  const secret = event.secrets.CRM_API_KEY;
  console.log(secret, { secret }, [secret]);
  console.error(new Error('failed with ' + secret));
  api.idToken.setCustomClaim('https://a.example/' + secret, secret);
  api.accessToken.setCustomClaim('https://a.example/s', { nested: [secret] });
  api.user.setUserMetadata(secret, secret);
  api.access.deny('denied: ' + secret);
  throw new Error(secret);
};
