// Rejections nobody handles, of every kind of value.
exports.onExecutePostLogin = async () => {
  Promise.reject(new Error('first'));
  Promise.reject('a string');
  Promise.reject(undefined);
  Promise.reject({ get message() { throw new Error('getter'); } });
};
