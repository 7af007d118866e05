/**
 * Action replacement of rules/deny-blocked-domain.js. Rules' `configuration`
 * becomes the Action's secrets; an Action can only deny with access_denied
 * (Rules' UnauthorizedError gave the application error=unauthorized).
 */
exports.onExecutePostLogin = async (event, api) => {
  const blocked = (event.secrets.BLOCKED_DOMAINS || '').split(',').map((d) => d.trim()).filter(Boolean);
  const domain = (event.user.email || '').split('@')[1];
  if (domain && blocked.includes(domain)) {
    api.access.deny(`Logins from ${domain} are not allowed.`);
  }
};
