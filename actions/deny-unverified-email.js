/**
 * Blocks logins from database users whose email address is not verified yet.
 * `api.access.deny` only records the decision: the rest of the handler still
 * runs, so the log line below is written too.
 */
exports.onExecutePostLogin = async (event, api) => {
  if (event.connection.strategy === 'auth0' && !event.user.email_verified) {
    api.access.deny('Please verify your email address before logging in.');
    console.log(`denied ${event.user.user_id}: email not verified`);
    return;
  }
  console.log(`allowed ${event.user.user_id}`);
};
