/**
 * Requires multi-factor authentication for everyone who logs in to the admin
 * application.
 */
function requireMfaForAdminApp(user, context, callback) {
  if (context.clientName === 'Acme Admin') {
    context.multifactor = { provider: 'any', allowRememberBrowser: false };
  }
  callback(null, user, context);
}
