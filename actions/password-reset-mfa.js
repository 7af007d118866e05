/**
 * Password-reset-post-challenge: users with an enrolled second factor must
 * use it before they may set a new password; everyone goes back to the app
 * afterwards.
 */
exports.onExecutePostChallenge = async (event, api) => {
  const factors = event.user.enrolledFactors || [];
  if (factors.length > 0) {
    api.authentication.challengeWithAny(factors.map((factor) => ({ type: factor.type })));
  }
  api.transaction.setResultUrl('https://app.acme.example/password-changed', { query: { user: event.user.user_id } });
};
