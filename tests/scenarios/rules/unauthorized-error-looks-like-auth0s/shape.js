function (user, context, callback) {
  const e = new UnauthorizedError('nope');
  console.log(e instanceof Error, e instanceof UnauthorizedError, e.name, e.code, e.description, e.statusCode, e.message);
  callback(null, user, context);
}
