// What every CLI verb shares: the parsed command, the resolved paths, how to print a sentence, the exit
// codes, and "find the running master or say why not".
import { masterConfig, type MasterConfig } from '../shared/config.js';
import { findMaster, removeStalePidFile, type MasterInfo } from '../shared/pidfile.js';
import { Worker } from '../worker/Worker.js';

export type { MasterConfig } from '../shared/config.js';
import { readFileSync } from 'node:fs';

/**
 * Exit codes of the CLI. 3 follows the LSB convention for "program is not running" (`status` of init
 * scripts), so a shell or a unit file can tell "nothing to stop" from "stop failed".
 */
export const EXIT = { OK: 0, FAILED: 1, NOT_RUNNING: 3, NOT_OWNER: 4, USAGE: 64 } as const;

/** The master (or its pid file) belongs to another user: runCli prints the message and exits NOT_OWNER. */
export class ForeignMasterError extends Error {
  override name = 'ForeignMasterError';
}

/** "the master (pid 123) is owned by uid 0 (root); run as that user" */
export function foreignMessage(pidFile: string, pid: number | null, uid: number): string {
  const who = pid === null ? `the pid file ${pidFile}` : `the master (pid ${pid})`;
  return `${who} is owned by uid ${uid}${userName(uid)}; run as that user`;
}

function userName(uid: number): string {
  try {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(uid));
    return line ? ` (${line.split(':')[0]})` : '';
  } catch {
    return '';
  }
}

export interface CliContext {
  verb: string;
  /** Absolute path of the start script. */
  script: string;
  scriptName: string;
  daemon: boolean;
  graceful: boolean;
  json: boolean;
  /** `status --pushed`: the counters the workers pushed, not asked for now (docs/status.md). */
  pushed: boolean;
  /** The argv after the script (verb and flags), passed on to a daemon re-spawn. */
  argv: string[];
  definitions: Worker[];
  config: MasterConfig;
}

/**
 * `Worker.pidFile` & co. as the start script set them, checked, with the defaults filled in (shared/config.ts).
 * @throws TypeError naming the setting and its bad value.
 */
export function resolveConfig(script: string, definitions: readonly Worker[]): MasterConfig {
  const W = (definitions[0]?.constructor as typeof Worker | undefined) ?? Worker;
  return masterConfig(script, W);
}

/** Print one sentence about what happened, prefixed like Workerman's `Workerman[start.php] ...`. */
export function say(context: CliContext, message: string): void {
  process.stdout.write(`workerman-ts[${context.scriptName}] ${message}\n`);
}

/** Print a failure; same prefix, to stderr. */
export function complain(context: CliContext, message: string): void {
  process.stderr.write(`workerman-ts[${context.scriptName}] ${message}\n`);
}

export type Found = { pid: number; info: MasterInfo | null };

/**
 * Find the running master for a verb that needs one. Prints "not running" (and removes a stale pid file,
 * saying why it was stale) and returns null when there is none.
 */
export async function requireMaster(context: CliContext): Promise<Found | null> {
  const found = await lookupMaster(context);
  if (found) return found;
  complain(context, 'not running');
  return null;
}

/** Like requireMaster, silent when nothing runs (start and restart use it). Stale pid files are reported. */
export async function lookupMaster(context: CliContext): Promise<Found | null> {
  const lookup = await findMaster(context.config.pidFile);
  switch (lookup.state) {
    case 'running':
      return { pid: lookup.pid, info: lookup.info };
    case 'unresponsive':
      complain(context, `the master (pid ${lookup.pid}) is running but does not answer: ${lookup.reason}`);
      return { pid: lookup.pid, info: null };
    case 'stale': {
      const failed = removeStalePidFile(context.config.pidFile);
      const outcome = failed ? `could not remove it (${failed})` : 'removed it';
      complain(context, `stale pid file ${context.config.pidFile}: ${lookup.reason}; ${outcome}`);
      return null;
    }
    case 'stopped':
      return null;
    case 'foreign':
      throw new ForeignMasterError(foreignMessage(context.config.pidFile, lookup.pid, lookup.uid));
  }
}

/**
 * Poll every 2 ms until `done()` or the deadline; resolves with whether it is done. A poll is a few
 * `kill(pid, 0)` and /proc reads (~0.1 ms for a master and 4 workers); a longer period only adds to how
 * long `stop` takes to say "stopped" (10 ms added 5 ms on average, docs/perf/cli.md).
 */
export async function pollUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 2));
  }
  return true;
}

/** "1.23 s" */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
