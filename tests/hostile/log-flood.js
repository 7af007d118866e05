// Floods the console.
exports.onExecutePostLogin = async () => {
  const line = 'z'.repeat(10000);
  for (let i = 0; i < 100000; i++) console.log(line, i);
};
