/**
 * Action replacement of rules/require-mfa-for-admin-app.js: multi-factor
 * authentication for everyone who logs in to the admin application.
 */
exports.onExecutePostLogin = async (event, api) => {
  if (event.client.name === 'Acme Admin') {
    api.multifactor.enable('any', { allowRememberBrowser: false });
  }
};
