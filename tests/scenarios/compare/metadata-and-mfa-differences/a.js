exports.onExecutePostLogin = async (e, api) => { api.user.setAppMetadata('plan', 'silver'); };
