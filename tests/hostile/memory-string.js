// Memory bomb: a string doubled (and really allocated) until it no longer fits.
exports.onExecutePostLogin = async () => {
  let s = 'x';
  for (;;) s = s.repeat(2);
};
