// Reaching for the host: modules, dynamic import, process, environment.
exports.onExecutePostLogin = async (event, api) => {
  const results = [];
  for (const name of ['fs', 'child_process', 'net', 'os', 'vm', 'worker_threads', 'module', '../../etc/passwd', '/etc/passwd']) {
    try { require(name); results.push(name + ':loaded'); } catch (e) { results.push(name + ':' + e.code); }
  }
  try { await import('fs'); results.push('import:loaded'); } catch (e) { results.push('import:failed'); }
  results.push('process:' + typeof process);
  results.push('env:' + (typeof process === 'object' && process.env ? Object.keys(process.env).length : 'none'));
  results.push('eval:' + eval('1 + 1'));
  results.push('Function:' + new Function('return 2')());
  console.log(results.join(' '));
};
