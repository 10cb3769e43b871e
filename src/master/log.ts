// The runtime's own log lines: "2026-11-25 04:23:08 pid:123 message", Workerman's format.
import { closeSync, openSync, writeSync } from 'node:fs';

export type LogSink = (line: string) => void;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function timestamp(date = new Date()): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** Format one log line with timestamp and pid. */
export function formatLogLine(message: string, pid = process.pid): string {
  return `${timestamp()} pid:${pid} ${message}`;
}

/**
 * An append-only log file that can be reopened (SIGHUP, after logrotate moved it away). Created owner-only
 * (0600). Writes are synchronous: the master logs a few lines per event, and a line written just before
 * exit must not be lost.
 */
export class LogFile {
  private fd: number | null = null;

  constructor(readonly path: string) {}

  open(): this {
    this.fd = openSync(this.path, 'a', 0o600);
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
      writeSync(this.fd, `${line}\n`);
    } catch {
      // a full disk must not take the master down
    }
  }

  close(): void {
    if (this.fd !== null) closeQuietly(this.fd);
    this.fd = null;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
