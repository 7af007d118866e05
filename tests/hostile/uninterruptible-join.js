// Time bomb: a builtin that loops in C without polling the interrupt
// handler (docs/security.md, hazard 1). Only killing the worker stops it.
exports.onExecutePostLogin = async () => {
  new Array(2 ** 32 - 1).join('');
};
