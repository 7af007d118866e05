// The fs module over an empty, read-only file system. Packages such as
// axios and form-data require('fs') at load time and use it only for
// files a script hands them; scripts themselves read nothing of the host.
// Every lookup answers "no such file" and every write "read-only file
// system", with Node's error codes, so packages that test for a file
// carry on and a script that needs one fails with a message that says
// why (docs/node.md). No host function is involved.
(function (host, rt) {
  'use strict';
  const p = rt.p;
  const { ObjectKeys, TypeError } = p;
  const builtin = rt.makeRequire('actionbox:node/fs');
  const { Readable, Writable } = builtin('stream');

  const WHY = 'scripts see an empty, read-only file system in actionbox';
  const ERRNO = { ENOENT: -2, EROFS: -30, EBADF: -9 };
  const TEXT = {
    ENOENT: 'no such file or directory',
    EROFS: 'read-only file system',
    EBADF: 'bad file descriptor',
  };

  function pathText(path) {
    if (typeof path === 'string') return path;
    if (path instanceof p.Uint8Array) return rt.Buffer.from(path).toString();
    if (path !== null && typeof path === 'object' && path instanceof rt.URL) return rt.urlModule.fileURLToPath(path);
    if (typeof path === 'number') return path;
    const err = new TypeError(`The "path" argument must be of type string or an instance of Buffer or URL. Received ${rt.describeReceived(path)}`);
    err.code = 'ERR_INVALID_ARG_TYPE';
    throw err;
  }

  function fsError(code, syscall, path) {
    const where = typeof path === 'number' ? '' : `, ${syscall} '${path}'`;
    const err = new p.Error(`${code}: ${TEXT[code]}${typeof path === 'number' ? `, ${syscall}` : where} (${WHY})`);
    err.errno = ERRNO[code];
    err.code = code;
    err.syscall = syscall;
    if (typeof path !== 'number') err.path = path;
    return err;
  }

  // [name, syscall, code]: every fs call that names a file.
  const READS = [
    ['access', 'access'], ['stat', 'stat'], ['lstat', 'lstat'], ['readFile', 'open'], ['readdir', 'scandir'],
    ['open', 'open'], ['realpath', 'realpath'], ['readlink', 'readlink'], ['opendir', 'opendir'],
  ];
  const WRITES = [
    ['writeFile', 'open'], ['appendFile', 'open'], ['mkdir', 'mkdir'], ['mkdtemp', 'mkdtemp'], ['rmdir', 'rmdir'],
    ['rm', 'rm'], ['unlink', 'unlink'], ['rename', 'rename'], ['copyFile', 'copyfile'], ['cp', 'cp'],
    ['symlink', 'symlink'], ['link', 'link'], ['truncate', 'open'], ['chmod', 'chmod'], ['chown', 'chown'],
    ['lchown', 'lchown'], ['utimes', 'utime'], ['lutimes', 'lutime'],
  ];
  // Calls on a file descriptor: none was ever opened.
  const DESCRIPTORS = [
    ['close', 'close'], ['read', 'read'], ['write', 'write'], ['fstat', 'fstat'], ['fsync', 'fsync'],
    ['fdatasync', 'fdatasync'], ['ftruncate', 'ftruncate'], ['fchmod', 'fchmod'], ['fchown', 'fchown'],
    ['futimes', 'futime'],
  ];

  const fs = {};
  const promises = {};
  function define(name, syscall, code, target) {
    const fail = (path) => fsError(code, syscall, target === 'fd' ? path : pathText(path));
    fs[`${name}Sync`] = function (path, options) {
      if (name === 'stat' || name === 'lstat') {
        if (options !== null && typeof options === 'object' && options.throwIfNoEntry === false) {
          pathText(path);
          return undefined;
        }
      }
      throw fail(path);
    };
    fs[name] = function (path, ...rest) {
      const callback = rest[rest.length - 1];
      if (typeof callback !== 'function') {
        const err = new TypeError(`The "cb" argument must be of type function. Received ${rt.describeReceived(callback)}`);
        err.code = 'ERR_INVALID_ARG_TYPE';
        throw err;
      }
      const err = fail(path);
      rt.timers.setImmediate(() => callback(err));
    };
    if (target !== 'fd') {
      promises[name] = function (path) {
        try {
          return p.PromiseReject(fail(path));
        } catch (e) {
          return p.PromiseReject(e);
        }
      };
    }
  }
  for (let i = 0; i < READS.length; i++) define(READS[i][0], READS[i][1], 'ENOENT', 'path');
  for (let i = 0; i < WRITES.length; i++) define(WRITES[i][0], WRITES[i][1], 'EROFS', 'path');
  for (let i = 0; i < DESCRIPTORS.length; i++) define(DESCRIPTORS[i][0], DESCRIPTORS[i][1], 'EBADF', 'fd');

  fs.existsSync = function existsSync() { return false; };
  fs.exists = function exists(path, callback) {
    rt.timers.setImmediate(() => callback(false));
  };

  class ReadStream extends Readable {
    constructor(path) {
      super();
      this.path = pathText(path);
      this.bytesRead = 0;
      this.pending = true;
      const err = fsError('ENOENT', 'open', this.path);
      rt.timers.setImmediate(() => this.destroy(err));
    }
    _read() {}
  }
  class WriteStream extends Writable {
    constructor(path) {
      super();
      this.path = pathText(path);
      this.bytesWritten = 0;
      this.pending = true;
      const err = fsError('EROFS', 'open', this.path);
      rt.timers.setImmediate(() => this.destroy(err));
    }
    _write(chunk, encoding, callback) { callback(fsError('EROFS', 'write', this.path)); }
  }
  fs.ReadStream = ReadStream;
  fs.WriteStream = WriteStream;
  fs.createReadStream = (path, options) => new ReadStream(path, options);
  fs.createWriteStream = (path, options) => new WriteStream(path, options);

  fs.watch = function watch(path) { throw fsError('ENOENT', 'watch', pathText(path)); };
  // Node polls a missing file without ever reporting a change; so does this.
  const EventEmitter = builtin('events');
  fs.watchFile = function watchFile(path) {
    pathText(path);
    return new EventEmitter();
  };
  fs.unwatchFile = function unwatchFile() {};

  class Stats {}
  class Dirent {}
  class Dir {}
  fs.Stats = Stats;
  fs.Dirent = Dirent;
  fs.Dir = Dir;
  fs.constants = {
    UV_FS_SYMLINK_DIR: 1, UV_FS_SYMLINK_JUNCTION: 2, O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2,
    UV_DIRENT_UNKNOWN: 0, UV_DIRENT_FILE: 1, UV_DIRENT_DIR: 2, UV_DIRENT_LINK: 3, UV_DIRENT_FIFO: 4,
    UV_DIRENT_SOCKET: 5, UV_DIRENT_CHAR: 6, UV_DIRENT_BLOCK: 7, S_IFMT: 61440, S_IFREG: 32768,
    S_IFDIR: 16384, S_IFCHR: 8192, S_IFBLK: 24576, S_IFIFO: 4096, S_IFLNK: 40960, S_IFSOCK: 49152,
    O_CREAT: 64, O_EXCL: 128, UV_FS_O_FILEMAP: 0, O_NOCTTY: 256, O_TRUNC: 512, O_APPEND: 1024,
    O_DIRECTORY: 65536, O_NOATIME: 262144, O_NOFOLLOW: 131072, O_SYNC: 1052672, O_DSYNC: 4096,
    O_DIRECT: 16384, O_NONBLOCK: 2048, S_IRWXU: 448, S_IRUSR: 256, S_IWUSR: 128, S_IXUSR: 64,
    S_IRWXG: 56, S_IRGRP: 32, S_IWGRP: 16, S_IXGRP: 8, S_IRWXO: 7, S_IROTH: 4, S_IWOTH: 2,
    S_IXOTH: 1, F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1, UV_FS_COPYFILE_EXCL: 1, COPYFILE_EXCL: 1,
    UV_FS_COPYFILE_FICLONE: 2, COPYFILE_FICLONE: 2, UV_FS_COPYFILE_FICLONE_FORCE: 4,
    COPYFILE_FICLONE_FORCE: 4,
  };
  const names = ObjectKeys(fs.constants);
  for (let i = 0; i < names.length; i++) {
    if (p.StringPrototypeEndsWith(names[i], '_OK')) fs[names[i]] = fs.constants[names[i]];
  }
  promises.constants = fs.constants;
  fs.promises = promises;
  rt.fs = fs;
})
