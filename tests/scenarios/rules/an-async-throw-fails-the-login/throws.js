async function (user, context, callback) { await null; throw new Error('boom'); }
