/**
 * Claim helpers shared by the tenant's Actions.
 */
const NAMESPACE = 'https://app.acme.example/';

/** A custom claim name in the tenant's own namespace. */
exports.claim = (name) => NAMESPACE + name;

/** The environment this tenant serves, set at deploy time by keyword replacement. */
exports.environment = '@@ENVIRONMENT@@';
