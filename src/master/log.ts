// The runtime's own log file: every line the master logs (docs/cli.md), rotated by size and reopened on
// SIGHUP. Lines are formatted by src/shared/log-format.ts.
import { closeSync, fstatSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { noteLogWrite, trackLogFile } from './log-health.js';

export type LogSink = (line: string) => void;

/** Size rotation: past `maxSize` bytes the file becomes `<path>.1` (`.1` -> `.2` ...), `keep` of them kept. */
export interface Rotation {
  /** Bytes; 0 = never rotate. */
  maxSize: number;
  /** Rotated files kept (`<path>.1` .. `<path>.<keep>`); 0 = the full file is deleted. */
  keep: number;
}

/**
 * An append-only log file that can be reopened (SIGHUP, after logrotate moved it away) and rotates itself by
 * size. Created owner-only (0600). Writes are synchronous: the master logs a few lines per event, and a line written
 * just before exit must not be lost.
 */
export class LogFile {
  private fd: number | null = null;
  private size = 0;

  constructor(
    readonly path: string,
    private readonly rotation: Rotation = { maxSize: 0, keep: 0 },
  ) {}

  open(): this {
    const first = this.fd === null;
    this.fd = openSync(this.path, 'a', 0o600);
    if (first) trackLogFile(this.path);
    this.size = fstatSync(this.fd).size;
    return this;
  }

  /** Close and open again by name: after a rotation this creates a new file. */
  reopen(): void {
    const previous = this.fd;
    this.open();
    if (previous !== null) closeQuietly(previous);
  }

  write(line: string): void {
    if (this.fd === null) return;
    try {
      this.size += writeSync(this.fd, `${line}\n`);
      noteLogWrite();
    } catch (err) {
      // a full disk must not take the master down; said once on stderr and shown by status
      noteLogWrite(err);
      return;
    }
    if (this.rotation.maxSize > 0 && this.size >= this.rotation.maxSize) this.rotate();
  }

  /** Move the file aside (`rotateFiles`) and go on in a new one. */
  rotate(): void {
    try {
      rotateFiles(this.path, this.rotation.keep);
      this.reopen();
    } catch {
      // a directory that became unwritable: keep appending to the file we have
    }
  }

  close(): void {
    if (this.fd !== null) closeQuietly(this.fd);
    this.fd = null;
  }
}

/** `<path>.<keep-1>` -> `<path>.<keep>`, ..., `<path>` -> `<path>.1` (the oldest falls off); keep 0 deletes `<path>`. */
export function rotateFiles(path: string, keep: number): void {
  if (keep <= 0) {
    unlinkSync(path);
    return;
  }
  for (let i = keep - 1; i >= 1; i--) {
    try {
      renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  renameSync(path, `${path}.1`);
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
