/**
 * Send-phone-message: delivers MFA codes through Twilio's Messages API
 * (the custom phone provider).
 *
 * Secrets: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM.
 */
exports.onExecuteSendPhoneMessage = async (event) => {
  const { recipient, text, message_type: type } = event.message_options;
  if (type !== 'sms') throw new Error(`only SMS is configured, not ${type}`);
  const sid = event.secrets.TWILIO_ACCOUNT_SID;
  const auth = Buffer.from(`${sid}:${event.secrets.TWILIO_AUTH_TOKEN}`).toString('base64');
  const response = await fetch(`https://api.twilio.com/2010-04-01/Accounts/${sid}/Messages.json`, {
    method: 'POST',
    headers: { authorization: `Basic ${auth}` },
    body: new URLSearchParams({ To: recipient, From: event.secrets.TWILIO_FROM, Body: text }),
  });
  if (response.status !== 201) {
    throw new Error(`Twilio refused the message: ${response.status} ${await response.text()}`);
  }
};
