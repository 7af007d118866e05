// A flood of requests, to exhaust the host or hide one request among many.
exports.onExecutePostLogin = async (event, api) => {
  const results = await Promise.allSettled(
    Array.from({ length: 150 }, (_, i) => fetch(`https://flood.example/${i}`)),
  );
  const reasons = new Set(results.map((r) => (r.status === 'rejected' ? r.reason.message.split(':')[0] : 'ok')));
  console.log([...reasons].sort().join(' | '));
};
