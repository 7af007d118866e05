/**
 * Pre-user-registration: refuses sign-ups from disposable email domains
 * and tags everyone else with the referral code the sign-up form sent.
 */
const DISPOSABLE = ['mailinator.com', 'guerrillamail.com', 'trashmail.com'];

exports.onExecutePreUserRegistration = async (event, api) => {
  const domain = (event.user.email || '').split('@').pop().toLowerCase();
  if (DISPOSABLE.includes(domain)) {
    const message = event.request.language && event.request.language.startsWith('de')
      ? 'Bitte verwende eine dauerhafte E-Mail-Adresse.'
      : 'Please sign up with a permanent email address.';
    api.access.deny('disposable_email_domain', message);
    return;
  }
  const referral = event.request.body && event.request.body['ulp-referral-code'];
  if (referral) api.user.setAppMetadata('referral_code', referral);
  api.user.setUserMetadata('signup_locale', event.transaction ? event.transaction.locale : 'en');
};
