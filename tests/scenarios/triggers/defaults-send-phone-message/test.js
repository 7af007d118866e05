exports.onExecuteSendPhoneMessage = async (event, api) => {
  console.log(Object.keys(api).join(','));
  console.log(Object.keys(event).sort().join(','));
};
