function addRolesToTokens(user, context, callback) {
  const namespace = 'https://app.acme.example/';
  const roles = (context.authorization && context.authorization.roles) || [];
  context.idToken[namespace + 'roles'] = roles;
  context.accessToken[namespace + 'roles'] = roles;
  callback(null, user, context);
}
