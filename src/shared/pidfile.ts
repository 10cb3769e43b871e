// The pid file: the master's pid as a plain number (so `kill -USR1 $(cat app.pid)` works), and the one
// question every CLI verb asks first: is a master of this script running, and which pid is it?
// A pid file is never trusted: the pid must be alive, not a zombie, and answer on our control socket.
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
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
  /** A pid file that must not be trusted; `reason` says why. Only ever for a pid that is provably not our master. */
  | { state: 'stale'; pid: number | null; reason: string }
  /** The pid file (and its master) belong to another user: nothing this user may do to it. Never removed. */
  | { state: 'foreign'; pid: number | null; uid: number };

/** The default paths next to the start script, as in Workerman. */
export function defaultPidFile(script: string): string {
  return join(dirname(script), `workerman.${basename(script)}.pid`);
}
export function defaultLogFile(script: string): string {
  return join(dirname(script), 'workerman.log');
}

/** The pid in `path`, or null when there is no file; NaN when the file holds something else. */
export function readPidFile(path: string): number | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

/** Write `pid` atomically (temp file + rename), owner-only (0600): the owner is the master's user. */
export function writePidFile(path: string, pid = process.pid): void {
  const temp = `${path}.${pid}.tmp`;
  removeStalePidFile(temp); // a leftover temp file would keep its old mode
  const fd = openSync(temp, 'wx', 0o600);
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
export function removeStalePidFile(path: string): string | null {
  try {
    unlinkSync(path);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : (code ?? 'failed'); // gone already is fine; EACCES is said
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

/**
 * Is the master named by `pidFile` running? Asks its control socket to be sure it is ours. A pid file is
 * only called stale when its pid is provably not our master: dead, a zombie, a process of another user
 * while the file is ours, or a program that is not a workerman-ts master. A pid file of another user is
 * `foreign`, whatever its pid does (the CLI must not remove it, nor call its master "not running").
 */
export async function findMaster(pidFile: string, timeoutMs = 3000): Promise<MasterLookup> {
  const me = process.geteuid?.() ?? -1;
  let owner: number;
  try {
    owner = statSync(pidFile).uid;
  } catch {
    return { state: 'stopped' };
  }
  const pid = readPidFile(pidFile);
  const foreign = me >= 0 && owner !== me;
  if (pid === null) return foreign ? { state: 'foreign', pid: null, uid: owner } : { state: 'stopped' };
  if (Number.isNaN(pid) || pid <= 0)
    return foreign ? { state: 'foreign', pid: null, uid: owner } : stale(null, 'it does not hold a pid');
  if (pid === process.pid && !foreign) return stale(pid, `pid ${pid} is this process`);
  if (!isRunning(pid)) {
    // A master killed with SIGKILL leaves its control socket too; nobody can listen on a dead pid's path.
    try {
      unlinkSync(controlSocketPath(pid));
    } catch {
      // none left
    }
    return stale(pid, `pid ${pid} is not running`);
  }
  if (foreign) return { state: 'foreign', pid, uid: processUid(pid) ?? owner };
  const uid = processUid(pid);
  if (uid !== null && me >= 0 && uid !== me)
    return stale(
      pid,
      `pid ${pid} is a process of uid ${uid} (${commandOf(pid)}), not the master this file named`,
    );
  try {
    const info = await controlRequest<MasterInfo>(pid, 'ping', {}, timeoutMs);
    if (info.pid === pid) return { state: 'running', pid, info };
    return stale(pid, `pid ${pid} is not a workerman-ts master`);
  } catch (err) {
    const message = err instanceof ControlError ? err.message : String(err);
    if (!nobodyListening(err)) return { state: 'unresponsive', pid, reason: message };
    // A master of ours without a socket where we look: started with another TMPDIR, or its socket was
    // deleted. Alive, so it must not be called stale.
    if (isMasterProcess(pid)) {
      return {
        state: 'unresponsive',
        pid,
        reason: `it has no control socket at ${controlSocketPath(pid)} (started with another TMPDIR, or the socket was removed)`,
      };
    }
    // A live process, but not our master: the pid was reused.
    return stale(pid, `pid ${pid} is not a workerman-ts master (${commandOf(pid)})`);
  }
}

function stale(pid: number | null, reason: string): MasterLookup {
  return { state: 'stale', pid, reason };
}

/** The effective uid of `pid` (from /proc), or null where that cannot be read. */
export function processUid(pid: number): number | null {
  try {
    const line = /^Uid:\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return line ? Number(line[1]) : null;
  } catch {
    return null;
  }
}

/** Does `pid` carry a master's process title (`workerman-ts: master ...`, as runMaster sets it)? */
function isMasterProcess(pid: number): boolean {
  for (const file of ['cmdline', 'comm']) {
    try {
      if (readFileSync(`/proc/${pid}/${file}`, 'utf8').startsWith('workerman-ts')) return true;
    } catch {
      // gone, or not Linux
    }
  }
  return false;
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
