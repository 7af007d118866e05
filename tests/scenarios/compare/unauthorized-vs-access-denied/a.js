exports.onExecutePostLogin = async (e, api) => { api.access.deny('admins only'); };
