// comment
async function (user, context, callback) { callback(null, user, context); }
// trailing comment
