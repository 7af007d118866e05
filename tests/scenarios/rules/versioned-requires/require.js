function (user, context, callback) {
  const util = require('util@0.10.3');
  const { URL } = require('url@0.11.0');
  console.log(util.format('%s-%d', 'a', 1), new URL('https://a.example/x').pathname, require('util') === util);
  try { require('not-a-module@1.0.0'); } catch (e) { console.log(e.code); }
  callback(null, user, context);
}
