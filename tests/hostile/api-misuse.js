// Using the api wrongly: deny twice, keep a reference and use it after the
// handler returned, record from a timer that outlives the handler.
let saved;
exports.onExecutePostLogin = async (event, api) => {
  saved = api;
  api.access.deny('first');
  api.access.deny('second');
  setTimeout(() => saved.idToken.setCustomClaim('https://a.example/late', true), 50);
  Promise.resolve().then(() => saved.user.setAppMetadata('after', 'return'));
};
