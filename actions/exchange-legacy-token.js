/**
 * Custom-token-exchange: accepts tokens of the legacy identity provider
 * (HS256, shared secret) and logs their subject in as a user of the
 * database connection.
 *
 * Secrets: LEGACY_IDP_SECRET.
 */
const jwt = require('jsonwebtoken');

exports.onExecuteCustomTokenExchange = async (event, api) => {
  let claims;
  try {
    claims = jwt.verify(event.transaction.subject_token, event.secrets.LEGACY_IDP_SECRET, {
      algorithms: ['HS256'],
      issuer: 'https://legacy-idp.acme.example',
    });
  } catch (err) {
    api.access.rejectInvalidSubjectToken(`invalid subject token: ${err.message}`);
    return;
  }
  api.authentication.setUserByConnection(
    'Username-Password-Authentication',
    { user_id: claims.sub, email: claims.email, email_verified: true, name: claims.name },
    { creationBehavior: 'create_if_not_exists', updateBehavior: 'none' },
  );
  api.user.setAppMetadata('migrated_from', 'legacy-idp');
};
