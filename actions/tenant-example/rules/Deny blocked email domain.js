function denyBlockedEmailDomain(user, context, callback) {
  const blocked = (configuration.BLOCKED_DOMAIN || '').toLowerCase();
  const domain = (user.email || '').split('@').pop().toLowerCase();
  if (blocked && domain === blocked) {
    return callback(
      new UnauthorizedError('Logins from ' + domain + ' are not allowed. Contact ' + configuration.SUPPORT_URL + '.')
    );
  }
  callback(null, user, context);
}
