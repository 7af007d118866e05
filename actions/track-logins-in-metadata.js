/**
 * Keeps a little login history in the user's metadata: the time of the
 * first login through each application, and the user's preferred locale.
 * Metadata updates from all Actions are written once, at the end of the flow.
 */
exports.onExecutePostLogin = async (event, api) => {
  const firstLogins = { ...(event.user.app_metadata.first_login_by_client || {}) };
  if (!firstLogins[event.client.client_id]) {
    firstLogins[event.client.client_id] = new Date().toISOString();
    api.user.setAppMetadata('first_login_by_client', firstLogins);
  }
  if (!event.user.user_metadata.locale && event.request.language) {
    api.user.setUserMetadata('locale', event.request.language);
  }
  // A value of null deletes the key.
  if (event.user.app_metadata.legacy_flag !== undefined) {
    api.user.setAppMetadata('legacy_flag', null);
  }
};
