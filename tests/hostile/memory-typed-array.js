// Memory bomb: one huge allocation.
exports.onExecutePostLogin = async () => {
  const big = new Uint8Array(2 ** 30);
  big[0] = 1;
};
