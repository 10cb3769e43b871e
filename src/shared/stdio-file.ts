// Daemon mode: process.stdout and process.stderr of the master and of every worker go to Worker.stdoutFile
// through a file descriptor we own, so the file can be reopened after logrotate moved it (SIGHUP) and
// rotated by size. Node cannot dup2() a new file onto fd 1 and 2, so what is written to those fds directly
// (Node's own fatal-error report, a child process that inherited them) still goes to the file that was
// current when the process started; everything written through process.stdout/stderr (console.*) follows.
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';

/** Set by the daemon master for its workers: the stdout file they write to. */
export const ENV_STDOUT_FILE = 'WORKERMAN_STDOUT_FILE';

export interface StdioFile {
  readonly path: string;
  /** Open the file again by name (after a rotation this is the new file). */
  reopen(): void;
  /** Current size of the file we write to (every process appends to the same file). */
  size(): number;
}

type WriteCallback = (err?: Error | null) => void;

/** Send process.stdout/stderr writes to `path` (append mode, shared by every process of the runtime). */
export function redirectStdio(path: string): StdioFile {
  let fd = openSync(path, 'a', 0o600);
  const write = (
    chunk: string | Uint8Array,
    encoding?: BufferEncoding | WriteCallback,
    callback?: WriteCallback,
  ): boolean => {
    const done = typeof encoding === 'function' ? encoding : callback;
    try {
      if (typeof chunk === 'string') {
        writeSync(fd, chunk, null, typeof encoding === 'string' ? encoding : 'utf8');
      } else writeSync(fd, chunk);
    } catch {
      // a full disk drops output, as the inherited fd would; it must not kill the process
    }
    if (done) process.nextTick(done, null);
    return true;
  };
  process.stdout.write = write;
  process.stderr.write = write;
  return {
    path,
    reopen() {
      const previous = fd;
      try {
        fd = openSync(path, 'a', 0o600);
      } catch {
        return; // keep writing to the file we have
      }
      try {
        closeSync(previous);
      } catch {
        // already closed
      }
    },
    size() {
      try {
        return fstatSync(fd).size;
      } catch {
        return 0;
      }
    },
  };
}
