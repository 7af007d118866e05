// The os module: a fixed, synthetic machine, the same on every run and
// host, so outputs are reproducible and nothing of the real host leaks.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const cpu = () => ({ model: 'actionbox virtual CPU', speed: 2400, times: { user: 0, nice: 0, sys: 0, idle: 0, irq: 0 } });
  const signals = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
  rt.os = {
    EOL: '\n',
    devNull: '/dev/null',
    constants: { signals, errno: {}, priority: {} },
    arch: () => 'x64',
    platform: () => 'linux',
    type: () => 'Linux',
    release: () => '5.15.0-actionbox',
    version: () => '#1 SMP actionbox',
    machine: () => 'x86_64',
    hostname: () => 'actionbox',
    homedir: () => '/home/node',
    tmpdir: () => '/tmp',
    endianness: () => 'LE',
    uptime: () => 3600,
    loadavg: () => [0, 0, 0],
    totalmem: () => 2147483648,
    freemem: () => 1073741824,
    availableParallelism: () => 1,
    cpus: () => [cpu()],
    networkInterfaces: () => ({}),
    userInfo: () => ({ uid: 1000, gid: 1000, username: 'node', homedir: '/home/node', shell: '/bin/sh' }),
    getPriority: () => 0,
    setPriority: () => {},
  };
  rt.tty = {
    isatty: () => false,
    ReadStream: class ReadStream { constructor() { throw rt.socketCapabilityError('tty.ReadStream'); } },
    WriteStream: class WriteStream { constructor() { throw rt.socketCapabilityError('tty.WriteStream'); } },
  };
  void p;
})
