// Time bomb: a promise nothing will ever resolve.
exports.onExecutePostLogin = async () => {
  await new Promise(() => {});
};
