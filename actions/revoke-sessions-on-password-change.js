/**
 * Post-change-password: asks the app's backend to end the user's other
 * sessions (ones Auth0 does not manage).
 *
 * Secrets: BACKEND_TOKEN.
 */
exports.onExecutePostChangePassword = async (event) => {
  const response = await fetch(`https://app.acme.example/internal/users/${encodeURIComponent(event.user.user_id)}/sessions`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${event.secrets.BACKEND_TOKEN}` },
  });
  if (!response.ok) throw new Error(`session revocation failed with ${response.status}`);
  console.log(`revoked sessions of ${event.user.user_id}`);
};
