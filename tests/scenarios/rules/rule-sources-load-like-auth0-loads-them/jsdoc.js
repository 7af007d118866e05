/** JSDoc */
function named(user, context, callback) { callback(null, user, context); }
