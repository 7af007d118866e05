// Time bomb: the generic (array-like) path of Array.prototype.reverse.
exports.onExecutePostLogin = async () => {
  Array.prototype.reverse.call({ length: 2 ** 40 });
};
