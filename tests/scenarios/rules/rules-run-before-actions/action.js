exports.onExecutePostLogin = async (event, api) => {
  console.log('action', api.rules.wasExecuted('first-rule.js'), api.rules.wasExecuted('first-rule'), api.rules.wasExecuted('other'));
  console.log('plan', event.user.app_metadata.plan, String(event.user.connection));
};
