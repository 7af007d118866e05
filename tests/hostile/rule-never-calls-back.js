// A Rule that never calls its callback.
function (user, context, callback) {
  global.waiting = true;
}
