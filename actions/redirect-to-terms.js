/**
 * Sends users who have not accepted the current terms of service to a page
 * that asks them to, then records their answer when they come back.
 *
 * The redirect carries a signed session token; the terms page sends it back
 * to /continue with the user's answer in `accepted`.
 */
const TERMS_VERSION = '2026-11';

exports.onExecutePostLogin = async (event, api) => {
  if (event.user.app_metadata.terms_accepted === TERMS_VERSION) {
    return;
  }
  if (!api.redirect.canRedirect()) {
    api.access.deny('The terms of service must be accepted in the browser first.');
    return;
  }
  const token = api.redirect.encodeToken({
    secret: event.secrets.TERMS_SESSION_SECRET,
    expiresInSeconds: 600,
    payload: { terms_version: TERMS_VERSION },
  });
  api.redirect.sendUserTo('https://terms.acme.example/accept', {
    query: { session_token: token, version: TERMS_VERSION },
  });
};

exports.onContinuePostLogin = async (event, api) => {
  const payload = api.redirect.validateToken({
    secret: event.secrets.TERMS_SESSION_SECRET,
    tokenParameterName: 'session_token',
  });
  if (event.request.query.accepted !== 'yes') {
    api.access.deny('The terms of service were not accepted.');
    return;
  }
  api.user.setAppMetadata('terms_accepted', payload.terms_version);
  api.idToken.setCustomClaim('https://app.acme.example/terms', payload.terms_version);
};
