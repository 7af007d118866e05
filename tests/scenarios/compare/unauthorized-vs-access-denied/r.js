function (user, context, callback) { callback(new UnauthorizedError('admins only')); }
