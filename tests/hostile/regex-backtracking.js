// Time bomb: catastrophic regular-expression backtracking.
exports.onExecutePostLogin = async () => {
  /^(a+)+$/.test('a'.repeat(40) + 'b');
};
