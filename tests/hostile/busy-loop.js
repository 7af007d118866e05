// Time bomb: a synchronous endless loop that catches the interrupt.
exports.onExecutePostLogin = async () => {
  for (;;) {
    try { while (true) {} } catch (e) { /* keep going */ }
  }
};
