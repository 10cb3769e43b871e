// What the supervisor does when a worker process exits: nothing (it was stopped or retired), replace it in
// the same slot after a backoff, or give the slot up after too many failed starts. A pure function of the
// slot's history and the exit, so the decision is made once (here) and tested without processes; the
// supervisor applies it and announces it with the exit (`workerExit`), and everyone else reads that.
import { EXIT_CODES } from '../shared/messages.js';

export interface RestartPolicy {
  /** Consecutive start failures after which a slot is marked failed. */
  maxStartFailures: number;
  /** Backoff: the delay after the first (immediate) replacement, doubled each time up to the cap. */
  restartDelayMs: number;
  maxRestartDelayMs: number;
  /** A process that stays up this long resets its slot's backoff. */
  resetAfterMs: number;
}

/** What the decision reads of a slot (supervisor.ts `Slot`). */
export interface SlotHistory {
  /** 0 while the process has never been ready. */
  readyAt: number;
  startedAt: number;
  startFailures: number;
  consecutiveCrashes: number;
  lastError: string | null;
  /** The worker said its start failed on a configuration error (ConfigError): no retry can help. */
  configError: boolean;
  /** Why the master itself ended the process (hang-watch.ts), if it did. */
  exitReason: string | null;
}

export interface ProcessExit {
  code: number | null;
  signal: string | null;
  /** Epoch ms of the exit. */
  at: number;
  /** The runtime is stopping, or this slot is: the exit was asked for. */
  stopping: boolean;
  /** The process is no longer the slot's (a reload retired it, or a replacement never adopted). */
  retired: boolean;
}

export type ExitDecision =
  /** Asked for (a stop) or not the slot's process (a reload): nothing to do. */
  | { action: 'stopped' }
  | { action: 'retired' }
  /** Replace it in the same slot after `delayMs` (0: at once). The counters are the slot's new ones. */
  | {
      action: 'restart';
      delayMs: number;
      startFailures: number;
      consecutiveCrashes: number;
      lastError: string;
    }
  /** Too many failed starts in a row: mark the slot failed and say why. */
  | { action: 'fail'; reason: string; startFailures: number; lastError: string };

export function decideExit(slot: SlotHistory, exit: ProcessExit, policy: RestartPolicy): ExitDecision {
  if (exit.retired) return { action: 'retired' };
  if (exit.stopping) return { action: 'stopped' };
  const { code, signal } = exit;
  if (slot.readyAt === 0 || code === EXIT_CODES.START_FAILED) {
    const startFailures = slot.startFailures + 1;
    // The worker's own reason (startFailed message) beats the exit code.
    const lastError = slot.lastError || describeExit(code, signal);
    if (slot.configError)
      return { action: 'fail', reason: `configuration error: ${lastError}`, startFailures, lastError };
    if (startFailures >= policy.maxStartFailures) {
      const reason = `failed to start ${startFailures} times in a row: ${lastError}`;
      return { action: 'fail', reason, startFailures, lastError };
    }
    const delayMs = restartDelay(startFailures, policy);
    return {
      action: 'restart',
      delayMs,
      startFailures,
      consecutiveCrashes: slot.consecutiveCrashes,
      lastError,
    };
  }
  // A crash after it was ready: the backoff counts crashes, and forgets them after a long enough run.
  const crashes = exit.at - slot.startedAt >= policy.resetAfterMs ? 0 : slot.consecutiveCrashes;
  return {
    action: 'restart',
    delayMs: restartDelay(crashes, policy),
    startFailures: slot.startFailures,
    consecutiveCrashes: crashes + 1,
    lastError: slot.exitReason ?? describeExit(code, signal),
  };
}

/** `failures` before this one: 0 means replace at once (as fast as a bare cluster.fork()). */
export function restartDelay(failures: number, policy: RestartPolicy): number {
  if (failures === 0) return 0;
  return Math.min(policy.maxRestartDelayMs, policy.restartDelayMs * 2 ** (failures - 1));
}

/** "exit code 1", "signal SIGKILL", with Node's meaning of our own codes. */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === EXIT_CODES.UNCAUGHT) return `exit code ${code} (uncaught exception)`;
  if (code === EXIT_CODES.START_FAILED) return `exit code ${code} (onWorkerStart failed)`;
  return `exit code ${code ?? 'unknown'}`;
}
