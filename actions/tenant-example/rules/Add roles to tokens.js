function addRolesToTokens(user, context, callback) {
  const namespace = configuration.CLAIM_NAMESPACE;
  const roles = (context.authorization && context.authorization.roles) || [];
  context.idToken[namespace + 'roles'] = roles;
  context.accessToken[namespace + 'roles'] = roles;
  callback(null, user, context);
}
