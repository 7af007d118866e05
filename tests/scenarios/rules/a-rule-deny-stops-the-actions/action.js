exports.onExecutePostLogin = async () => { console.log('action ran'); };
