exports.onExecuteCustomTokenExchange = async (event, api) => {
  try { api.authentication.setActor({ sub: 'svc', act: { sub: 'a', one: 1, two: 2, three: 3, four: 4, five: 5, six: 6 } }); } catch (e) { console.log(e.message); }
  try { api.authentication.setUserByConnection('db', { email: 'x' }, { creationBehavior: 'sometimes', updateBehavior: 'none' }); } catch (e) { console.log(e.message); }
  api.authentication.setUserById('auth0|1');
  api.authentication.setUserById('auth0|2');
};
