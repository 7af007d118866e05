function (user, context, callback) { throw new Error('boom'); }
