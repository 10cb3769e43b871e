// Rolling reload, one slot at a time, make-before-break: fork the replacement, wait until it is ready,
// then stop the old process. A replacement that crashes or is not ready in time halts the roll and the
// old process keeps running. `reloadable = false` slots only run onWorkerReload.
import type { Worker as ClusterWorker } from 'node:cluster';
import { stopOne } from './stop.js';
import type { Slot, Supervisor } from './supervisor.js';

export interface ReloadOptions {
  graceful: boolean;
  /** Seconds a replacement gets to become ready. */
  readyTimeout: number;
  /** Seconds the old process gets to stop. */
  stopTimeout: number;
}

export interface ReloadResult {
  /** Slots whose process was replaced, as "name#id". */
  replaced: string[];
  /** Slots that only ran onWorkerReload (reloadable = false). */
  notified: string[];
  /** Set when the roll halted: which slot and why. The slots after it were not touched. */
  halted: { slot: string; reason: string } | null;
}

export async function rollingReload(supervisor: Supervisor, options: ReloadOptions): Promise<ReloadResult> {
  const result: ReloadResult = { replaced: [], notified: [], halted: null };
  // An old process stops while the roll moves on to the next slot (its replacement is already ready);
  // the reload is done once every old process has exited.
  const retirements: Promise<void>[] = [];
  for (const slot of supervisor.slots) {
    if (supervisor.stopping) break;
    const name = `${slot.definition.name}#${slot.id}`;
    // A failed slot has nothing running: a reload (with fixed code) is how it comes back.
    if (!slot.process && slot.state !== 'failed') continue;
    if (!slot.definition.reloadable) {
      if (slot.process) supervisor.send(slot.process, { wm: 'reload' });
      result.notified.push(name);
      continue;
    }
    const replacement = supervisor.fork(slot, true);
    const outcome = await waitReady(replacement, options.readyTimeout * 1000);
    if (outcome !== 'ready') {
      if (!replacement.isDead()) replacement.process.kill('SIGKILL');
      result.halted = { slot: name, reason: outcome };
      break;
    }
    if (supervisor.stopping) break; // the stop ladder takes the replacement down with the rest
    // Not necessarily the process we started with: it may have crashed and been restarted meanwhile.
    const retiring = slot.process;
    supervisor.adopt(slot, replacement);
    supervisor.markReady(slot);
    if (retiring) retirements.push(stopOne(supervisor, retiring, options.graceful, options.stopTimeout * 1000));
    result.replaced.push(name);
  }
  await Promise.all(retirements);
  return result;
}

/** 'ready', or why not. */
function waitReady(worker: ClusterWorker, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    let error = '';
    const done = (outcome: string) => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(outcome);
    };
    const onMessage = (message: { wm?: string; error?: string }) => {
      if (message?.wm === 'ready') done('ready');
      if (message?.wm === 'startFailed') error = message.error ?? '';
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(`replacement exited during start (${signal ?? `code ${code}`})${error ? `: ${error}` : ''}`);
    const timer = setTimeout(() => done(`replacement not ready after ${timeoutMs / 1000} s`), timeoutMs);
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
}

export type { Slot };
