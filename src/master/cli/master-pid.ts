// MINIMAL pid-file lookup so `status`/`connections` can find the master. TO MERGE: the master/CLI
// engineer owns the real pid file (daemon, stale detection, cmdline check); replace these with theirs.
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker } from '../../worker/Worker.js';

/** `Worker.pidFile`, or `<script dir>/workerman.<script name>.pid`. */
export function pidFilePath(script: string): string {
  return Worker.pidFile || join(dirname(script), `workerman.${basename(script)}.pid`);
}

export function writePidFile(path: string, pid = process.pid): void {
  writeFileSync(path, `${pid}\n`);
}

/** Remove the pid file if it still holds `pid`. */
export function removePidFile(path: string, pid = process.pid): void {
  try {
    if (Number(readFileSync(path, 'utf8').trim()) === pid) unlinkSync(path);
  } catch {
    // already gone
  }
}

/** The pid of the running master, or null if the pid file is missing or names a dead process. */
export function findMasterPid(path: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(path, 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}
