exports.onExecutePostLogin = async (event, api) => {
  // JWT registered, OIDC, Auth0's own, SIP, RFC 8693/9449.
  api.idToken.setCustomClaim('iss', 'x');
  api.accessToken.setCustomClaim('iss', 'x');
  api.idToken.setCustomClaim('exp', 'x');
  api.accessToken.setCustomClaim('exp', 'x');
  api.idToken.setCustomClaim('nonce', 'x');
  api.accessToken.setCustomClaim('nonce', 'x');
  api.idToken.setCustomClaim('at_hash', 'x');
  api.accessToken.setCustomClaim('at_hash', 'x');
  api.idToken.setCustomClaim('permissions', 'x');
  api.accessToken.setCustomClaim('permissions', 'x');
  api.idToken.setCustomClaim('org_id', 'x');
  api.accessToken.setCustomClaim('org_id', 'x');
  api.idToken.setCustomClaim('gty', 'x');
  api.accessToken.setCustomClaim('gty', 'x');
  api.idToken.setCustomClaim('sip_callid', 'x');
  api.accessToken.setCustomClaim('sip_callid', 'x');
  api.idToken.setCustomClaim('act', 'x');
  api.accessToken.setCustomClaim('act', 'x');
  api.idToken.setCustomClaim('cnf', 'x');
  api.accessToken.setCustomClaim('cnf', 'x');
  api.idToken.setCustomClaim('x5t#S256', 'x');
  api.accessToken.setCustomClaim('x5t#S256', 'x');
};
