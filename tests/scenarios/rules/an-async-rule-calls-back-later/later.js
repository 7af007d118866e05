async function (user, context, callback) {
  await new Promise((r) => setTimeout(r, 5));
  context.idToken['https://app.acme.example/late'] = true;
  setTimeout(() => callback(null, user, context), 5);
}
