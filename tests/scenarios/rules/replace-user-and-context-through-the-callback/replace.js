function (user, context, callback) {
  const next = Object.assign({}, user, { replaced: true });
  const ctx = Object.assign({}, context, { marker: 'kept' });
  callback(null, next, ctx);
}
