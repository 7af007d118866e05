function (user, context, callback) {
  callback(new UnauthorizedError('Only admins'));
}
