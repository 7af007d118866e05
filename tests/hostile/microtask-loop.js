// Time bomb: an endless chain of microtasks; the handler never settles.
exports.onExecutePostLogin = async () => {
  const spin = () => { Promise.resolve().then(spin); };
  spin();
  await new Promise(() => {});
};
