exports.onExecutePreUserRegistration = async (event, api) => {
  try { api.user.setUserId('bad id!'); } catch (e) { console.log(e.message); }
  try { api.validation.error('x'.repeat(101), 'm'); } catch (e) { console.log(e.message); }
  api.user.setUserId('legacy.42');
};
