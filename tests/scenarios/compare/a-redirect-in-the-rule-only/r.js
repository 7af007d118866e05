function (user, context, callback) { context.redirect = { url: 'https://a.example/x' }; callback(null, user, context); }
