// Time bomb: intervals that reschedule forever.
exports.onExecutePostLogin = async () => {
  await new Promise(() => { setInterval(() => { for (let i = 0; i < 1e5; i++); }, 0); });
};
