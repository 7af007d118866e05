exports.onExecuteCustomTokenExchange = async () => {};
