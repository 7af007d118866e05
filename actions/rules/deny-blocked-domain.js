/**
 * Refuses logins from email domains the tenant has blocked. The application
 * receives error=unauthorized with the message.
 */
function denyBlockedDomain(user, context, callback) {
  const blocked = (configuration.BLOCKED_DOMAINS || '').split(',').map((d) => d.trim()).filter(Boolean);
  const domain = (user.email || '').split('@')[1];
  if (domain && blocked.includes(domain)) {
    return callback(new UnauthorizedError('Logins from ' + domain + ' are not allowed.'));
  }
  callback(null, user, context);
}
