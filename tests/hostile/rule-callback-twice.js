// A Rule that calls back twice, the second time with an error.
function (user, context, callback) {
  callback(null, user, context);
  callback(new Error('second call'));
  setTimeout(() => callback(new UnauthorizedError('third call')), 10);
}
