// Rolling reload, make-before-break per slot: fork the replacement, wait until it is ready, then stop the
// old process. `concurrency` slots are replaced at the same time (PM2 rolls two at a time by default; 1 is
// Workerman's one-after-the-other). A replacement that crashes or is not ready in time halts the roll: no
// further slot is started, those in flight finish, and every slot not replaced keeps its old process.
// `reloadable = false` slots only run onWorkerReload.
import type { Worker as ClusterWorker } from 'node:cluster';
import { isWorkerMessage } from '../shared/messages.js';
import { stopOne } from './stop.js';
import type { Slot, Supervisor } from './supervisor.js';

export interface ReloadOptions {
  graceful: boolean;
  /** Seconds a replacement gets to become ready. */
  readyTimeout: number;
  /** Seconds the old process gets to stop. */
  stopTimeout: number;
  /** Slots replaced at the same time (>= 1). */
  concurrency: number;
}

export interface ReloadResult {
  /** Slots whose process was replaced, as "name#id", in slot order. */
  replaced: string[];
  /** Slots that only ran onWorkerReload (reloadable = false). */
  notified: string[];
  /** Set when the roll halted: the first slot (in slot order) whose replacement failed (or that a stop cut short), and why. */
  halted: { slot: string; reason: string } | null;
  /** Reloadable slots that keep their old process because the roll halted (empty otherwise). */
  kept: string[];
}

/** The halt reason when a stop began during the roll (its replacements go down with the rest). */
const STOPPED = 'the runtime began stopping';

export async function rollingReload(supervisor: Supervisor, options: ReloadOptions): Promise<ReloadResult> {
  const result: ReloadResult = { replaced: [], notified: [], halted: null, kept: [] };
  const due: Slot[] = [];
  for (const slot of supervisor.slots) {
    // A failed slot has nothing running: a reload (with fixed code) is how it comes back.
    if (!slot.process && slot.state !== 'failed') continue;
    if (slot.definition.reloadable) {
      due.push(slot);
    } else {
      if (slot.process) supervisor.send(slot.process, { wm: 'reload' });
      result.notified.push(nameOf(slot));
    }
  }
  const replaced = new Set<Slot>();
  const failures: { index: number; reason: string }[] = [];
  // An old process stops while the roll moves on (its replacement is already ready); the reload is done
  // once every old process has exited.
  const retirements: Promise<void>[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < due.length && failures.length === 0 && !supervisor.stopping) {
      const index = next++;
      const slot = due[index]!;
      const replacement = supervisor.fork(slot, true);
      const outcome = await waitReady(replacement, options.readyTimeout * 1000);
      if (outcome !== 'ready') {
        if (!replacement.isDead()) replacement.process.kill('SIGKILL');
        failures.push({ index, reason: outcome });
        return;
      }
      if (supervisor.stopping) return; // the stop ladder takes the replacement down with the rest
      // Not necessarily the process we started with: it may have crashed and been restarted meanwhile.
      const retiring = slot.process;
      supervisor.adopt(slot, replacement);
      supervisor.markReady(slot);
      if (retiring)
        retirements.push(stopOne(supervisor, retiring, options.graceful, options.stopTimeout * 1000));
      replaced.add(slot);
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency, due.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  await Promise.all(retirements);
  for (const slot of due) (replaced.has(slot) ? result.replaced : result.kept).push(nameOf(slot));
  const first = failures.sort((a, b) => a.index - b.index)[0];
  if (first)
    result.halted = {
      slot: nameOf(due[first.index]!),
      reason: first.reason + timeoutHint(first.reason, lanes),
    };
  else if (supervisor.stopping && result.kept.length > 0)
    result.halted = { slot: result.kept[0]!, reason: STOPPED };
  else result.kept = [];
  return result;
}

/** Replacements that start together share the CPUs: when one ran out of time, say how to roll one by one. */
function timeoutHint(reason: string, lanes: number): string {
  if (lanes < 2 || !reason.startsWith('replacement not ready after')) return '';
  return ` (${lanes} replacements were starting at the same time; Worker.reloadConcurrency = 1 starts one at a time)`;
}

function nameOf(slot: Slot): string {
  return `${slot.definition.name}#${slot.id}`;
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
    const onMessage = (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.wm === 'ready') done('ready');
      if (message.wm === 'startFailed') error = message.error;
    };
    const onExit = (code: number | null, signal: string | null) =>
      done(`replacement exited during start (${signal ?? `code ${code}`})${error ? `: ${error}` : ''}`);
    const timer = setTimeout(() => done(`replacement not ready after ${timeoutMs / 1000} s`), timeoutMs);
    worker.on('message', onMessage);
    worker.on('exit', onExit);
  });
}

export type { Slot };
