// Rolling reload, make-before-break per slot: fork the replacement, wait until it is ready, then stop the
// old process. `concurrency` slots are replaced at the same time (PM2 rolls two at a time by default; 1 is
// Workerman's one-after-the-other). A replacement that crashes or is not ready in time halts the roll: no
// further slot is started, those in flight finish, and every slot not replaced keeps its old process.
// `reloadable = false` slots only run onWorkerReload.
// The decisions (which slots roll, what the result says) are pure functions, tested without processes
// (test/master/reload-plan.test.ts); whether a replacement is ready is the supervisor's to say (its events).
import type { Worker as ClusterWorker } from 'node:cluster';
import { stopOne } from './stop.js';
import { slotName, type Slot, type Supervisor } from './supervisor.js';

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

/** A replacement that did not get ready: its index in the roll's `due` list, and why. */
export interface RollFailure {
  index: number;
  reason: string;
}

/** Which slots get a replacement (`due`, in slot order) and which only run onWorkerReload (`notify`). */
export function planReload<S extends Pick<Slot, 'definition' | 'process' | 'state'>>(
  slots: readonly S[],
): { due: S[]; notify: S[] } {
  const due: S[] = [];
  const notify: S[] = [];
  for (const slot of slots) {
    // A failed slot has nothing running: a reload (with fixed code) is how it comes back.
    if (!slot.process && slot.state !== 'failed') continue;
    (slot.definition.reloadable ? due : notify).push(slot);
  }
  return { due, notify };
}

/**
 * The result of a roll: replaced and kept in slot order; halted at the first failure in slot order (with
 * the hint for lanes that shared the CPUs), or at the first kept slot when a stop cut the roll short.
 */
export function reloadResult(
  due: readonly string[],
  replaced: ReadonlySet<string>,
  notified: readonly string[],
  failures: readonly RollFailure[],
  context: { stopping: boolean; lanes: number },
): ReloadResult {
  const result: ReloadResult = { replaced: [], notified: [...notified], halted: null, kept: [] };
  for (const name of due) (replaced.has(name) ? result.replaced : result.kept).push(name);
  const first = [...failures].sort((a, b) => a.index - b.index)[0];
  if (first)
    result.halted = {
      slot: due[first.index]!,
      reason: first.reason + timeoutHint(first.reason, context.lanes),
    };
  else if (context.stopping && result.kept.length > 0)
    result.halted = { slot: result.kept[0]!, reason: STOPPED };
  else result.kept = [];
  return result;
}

export async function rollingReload(supervisor: Supervisor, options: ReloadOptions): Promise<ReloadResult> {
  const { due, notify } = planReload(supervisor.slots);
  for (const slot of notify) if (slot.process) supervisor.send(slot.process, { wm: 'reload' });
  const replaced = new Set<string>();
  const failures: RollFailure[] = [];
  // An old process stops while the roll moves on (its replacement is already ready); the reload is done
  // once every old process has exited.
  const retirements: Promise<void>[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < due.length && failures.length === 0 && !supervisor.stopping) {
      const index = next++;
      const slot = due[index]!;
      const replacement = supervisor.fork(slot, true);
      const outcome = await waitReady(supervisor, replacement, options.readyTimeout * 1000);
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
      replaced.add(slotName(slot));
    }
  };
  const lanes = Math.max(1, Math.min(options.concurrency, due.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  await Promise.all(retirements);
  return reloadResult(due.map(slotName), replaced, notify.map(slotName), failures, {
    stopping: supervisor.stopping,
    lanes,
  });
}

/** Replacements that start together share the CPUs: when one ran out of time, say how to roll one by one. */
function timeoutHint(reason: string, lanes: number): string {
  if (lanes < 2 || !reason.startsWith('replacement not ready after')) return '';
  return ` (${lanes} replacements were starting at the same time; Worker.reloadConcurrency = 1 starts one at a time)`;
}

/** 'ready', or why not: from the supervisor's events about this one process. */
function waitReady(supervisor: Supervisor, worker: ClusterWorker, timeoutMs: number): Promise<string> {
  const pid = worker.process.pid ?? 0;
  return new Promise((resolve) => {
    let error = '';
    const done = (outcome: string) => {
      clearTimeout(timer);
      supervisor.off('processReady', onReady);
      supervisor.off('startFailed', onStartFailed);
      supervisor.off('workerExit', onExit);
      resolve(outcome);
    };
    const onReady = (_slot: Slot, ready: ClusterWorker) => {
      if (ready === worker) done('ready');
    };
    const onStartFailed = (_slot: Slot, failed: ClusterWorker, reason: string) => {
      if (failed === worker) error = reason;
    };
    const onExit = (_slot: Slot, code: number | null, signal: string | null, exited: number) => {
      if (exited !== pid) return;
      done(`replacement exited during start (${signal ?? `code ${code}`})${error ? `: ${error}` : ''}`);
    };
    const timer = setTimeout(() => done(`replacement not ready after ${timeoutMs / 1000} s`), timeoutMs);
    supervisor.on('processReady', onReady);
    supervisor.on('startFailed', onStartFailed);
    supervisor.on('workerExit', onExit);
  });
}

export type { Slot };
