// The pid file: the master's pid as a plain number (so `kill -USR1 $(cat app.pid)` works), and the one
// question every CLI verb asks first: is a master of this script running, and which pid is it?
// A pid file is never trusted: the pid must be alive, not a zombie, and answer on our control socket.
import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { controlRequest, ControlError, nobodyListening } from './control/client.js';
import { controlSocketPath } from './control/socket-path.js';
import type { SlotSnapshot } from '../master/runtime.js';

/** What the master answers to `ping` on its control socket. */
export interface MasterInfo {
  pid: number;
  script: string;
  pidFile: string;
  daemon: boolean;
  version: string;
  startedAt: number;
  /** Live worker pids right now. */
  workers: number[];
  slots: SlotSnapshot[];
  /** Seconds, as the master uses them. */
  stopTimeout: number;
  readyTimeout: number;
}

export type MasterLookup =
  | { state: 'running'; pid: number; info: MasterInfo }
  /** Alive and ours (the control socket exists) but it did not answer in time. */
  | { state: 'unresponsive'; pid: number; reason: string }
  | { state: 'stopped' }
  /** A pid file that must not be trusted; `reason` says why. */
  | { state: 'stale'; pid: number | null; reason: string };

export function readPidFile(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

/** Write `pid` atomically (temp file + rename), readable by all, writable by the owner only. */
export function writePidFile(path: string, pid = process.pid): void {
  const temp = `${path}.${pid}.tmp`;
  const fd = openSync(temp, 'w', 0o644);
  try {
    writeSync(fd, `${pid}\n`);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}

/** Remove the pid file if it still holds `pid` (a newer master may have replaced it). */
export function removePidFile(path: string, pid = process.pid): void {
  if (readPidFile(path) !== pid) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Remove the pid file whatever it holds (a stale one). */
export function removeStalePidFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** Alive and not a zombie (`kill(pid, 0)` succeeds on a zombie; /proc tells the truth). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but another user's; it cannot be our master either way, but it is running.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Is the master named by `pidFile` running? Asks its control socket to be sure it is ours. */
export async function findMaster(pidFile: string, timeoutMs = 3000): Promise<MasterLookup> {
  const pid = readPidFile(pidFile);
  if (pid === null) return { state: 'stopped' };
  if (Number.isNaN(pid) || pid <= 0) return { state: 'stale', pid: null, reason: 'it does not hold a pid' };
  if (pid === process.pid) return { state: 'stale', pid, reason: `pid ${pid} is this process` };
  if (!isRunning(pid)) {
    // A master killed with SIGKILL leaves its control socket too; nobody can listen on a dead pid's path.
    try {
      unlinkSync(controlSocketPath(pid));
    } catch {
      // none left
    }
    return { state: 'stale', pid, reason: `pid ${pid} is not running` };
  }
  try {
    const info = await controlRequest<MasterInfo>(pid, 'ping', {}, timeoutMs);
    if (info.pid === pid) return { state: 'running', pid, info };
    return { state: 'stale', pid, reason: `pid ${pid} is not a workerman-ts master` };
  } catch (err) {
    const message = err instanceof ControlError ? err.message : String(err);
    // A live process, but not our master.
    if (nobodyListening(err)) {
      return { state: 'stale', pid, reason: `pid ${pid} is not a workerman-ts master (${commandOf(pid)})` };
    }
    return { state: 'unresponsive', pid, reason: message };
  }
}

/** The command line of `pid`, for messages. */
function commandOf(pid: number): string {
  try {
    return (
      readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim().slice(0, 80) || 'unknown'
    );
  } catch {
    return 'unknown command';
  }
}
