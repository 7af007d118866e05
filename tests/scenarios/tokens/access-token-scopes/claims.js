exports.onExecutePostLogin = async (event, api) => {
  api.accessToken.addScope('write:orders');
  api.accessToken.removeScope('email');
};
