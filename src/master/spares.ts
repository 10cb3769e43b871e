// Warm spares (the `spare` option of a Worker): processes forked ahead of need that have imported the start
// script (its module-level code ran) and wait. When a slot of their Worker must be replaced, the
// supervisor hands one the slot's id (`takeSlot`) instead of forking: the fork and the import, ~120 ms
// of a replacement's ~130, are already done. The pool is refilled in the background once the new slot
// process is ready, and a spare that dies is respawned with the slots' backoff (restart-policy.ts).
// A spare is no slot: it holds no connections, does not listen, runs no onWorkerStart and pushes no stats.
import type { Worker as ClusterWorker } from 'node:cluster';
import { decideExit, type RestartPolicy, type SlotHistory } from './restart-policy.js';
import type { WorkerMessage } from '../shared/messages.js';
import type { WorkerDefinition } from './supervisor-types.js';

/** One spare as `rt.spares` and `status` show it. */
export interface SpareSnapshot {
  name: string;
  pid: number | null;
  /** `starting`: forked, still importing the script; `warm`: can take a slot; `stopping`: retired. */
  state: 'starting' | 'warm' | 'stopping';
  /** Epoch ms of the fork. */
  startedAt: number;
}

interface Spare {
  readonly definition: WorkerDefinition;
  readonly process: ClusterWorker;
  state: SpareSnapshot['state'];
  readonly startedAt: number;
  /** Epoch ms it became warm; 0 before. */
  warmAt: number;
  /** What its module-level code sent before it had a slot (a Channel subscribe): handled once it takes one. */
  readonly held: WorkerMessage[];
}

/** A spare leaving the pool for a slot, with the messages held for that slot. */
export interface TakenSpare {
  process: ClusterWorker;
  held: WorkerMessage[];
}

/** What the pool needs of the supervisor: forking a spare, its stopping flag, messages and events. */
export interface SpareHost {
  isStopping(): boolean;
  forkSpare(definition: WorkerDefinition): ClusterWorker;
  sync(worker: ClusterWorker, seq: number): void;
  stop(worker: ClusterWorker): void;
  spareReady(definition: WorkerDefinition, pid: number): void;
  spareExit(
    definition: WorkerDefinition,
    code: number | null,
    signal: string | null,
    pid: number,
    respawnInMs: number | null,
  ): void;
  spareFailed(definition: WorkerDefinition, reason: string): void;
}

/** The backoff history of one Worker's spares, read by decideExit as if they were one slot. */
type History = SlotHistory & { failed: boolean; timer: NodeJS.Timeout | null };

export class SparePool {
  private readonly spares: Spare[] = [];
  private readonly history = new Map<WorkerDefinition, History>();
  /** Off until the first start is done (spares do not slow it down) and during a reload. */
  private enabled = false;

  constructor(
    private readonly host: SpareHost,
    private readonly definitions: readonly WorkerDefinition[],
    private readonly policy: RestartPolicy,
  ) {
    for (const d of definitions) {
      if (d.spare > 0) this.history.set(d, { ...freshHistory(), failed: false, timer: null });
    }
  }

  /** Keep every Worker's spares from now on (after the start, after a reload), forking those missing. */
  start(): void {
    this.enabled = true;
    for (const h of this.history.values()) h.failed = false;
    this.fill();
  }

  /** Fork the spares that are missing (none while disabled, stopping, or waiting out a backoff). */
  fill(): void {
    if (!this.enabled || this.host.isStopping()) return;
    for (const definition of this.definitions) {
      const h = this.history.get(definition);
      if (!h || h.failed || h.timer) continue;
      while (this.count(definition) < definition.spare) this.fork(definition);
    }
  }

  /** A warm spare of `definition` for a slot to take (it leaves the pool), or null. */
  take(definition: WorkerDefinition): TakenSpare | null {
    const i = this.spares.findIndex((s) => s.definition === definition && s.state === 'warm');
    if (i < 0) return null;
    const [spare] = this.spares.splice(i, 1);
    return { process: spare!.process, held: spare!.held };
  }

  /**
   * Stop every spare and keep none until start(): a reload must not leave spares on the old code (one
   * would bring the old code back at the next crash). They get the stop ladder; nothing waits for it.
   */
  retire(): void {
    this.cancel();
    for (const spare of this.spares) {
      if (spare.state === 'stopping') continue;
      spare.state = 'stopping';
      this.host.stop(spare.process);
    }
  }

  /** No more spares and no pending respawn (the runtime stops; stop.ts ends the live ones). */
  cancel(): void {
    this.enabled = false;
    for (const h of this.history.values()) {
      if (h.timer) clearTimeout(h.timer);
      h.timer = null;
    }
  }

  has(worker: ClusterWorker): boolean {
    return this.spares.some((s) => s.process === worker);
  }

  list(): SpareSnapshot[] {
    return this.spares.map((s) => ({
      name: s.definition.name,
      pid: s.process.process.pid ?? null,
      state: s.state,
      startedAt: s.startedAt,
    }));
  }

  /**
   * A message of ours from a spare: it is warm; it waits for a barrier (before it says so, or in its stop);
   * anything else its module-level code sent (Channel) is held for the slot it will take.
   */
  onMessage(worker: ClusterWorker, message: WorkerMessage): void {
    const spare = this.spares.find((s) => s.process === worker);
    if (!spare) return;
    if (message.wm === 'spareReady' && spare.state === 'starting') {
      spare.state = 'warm';
      spare.warmAt = Date.now();
      const h = this.history.get(spare.definition)!;
      h.startFailures = 0;
      h.lastError = null;
      this.host.spareReady(spare.definition, worker.process.pid ?? 0);
    } else if (message.wm === 'sync') {
      this.host.sync(worker, message.seq);
    } else if (message.wm !== 'stats' && message.wm !== 'spareReady') {
      spare.held.push(message);
    }
  }

  /** A spare exited before it took a slot: respawn it with the backoff, unless it was asked to go. */
  onExit(worker: ClusterWorker, pid: number, code: number | null, signal: string | null): void {
    const i = this.spares.findIndex((s) => s.process === worker);
    if (i < 0) return;
    const [spare] = this.spares.splice(i, 1);
    const { definition } = spare!;
    const h = this.history.get(definition)!;
    const asked = spare!.state === 'stopping' || this.host.isStopping() || !this.enabled;
    if (asked) return this.host.spareExit(definition, code, signal, pid, null);
    h.readyAt = spare!.warmAt;
    h.startedAt = spare!.warmAt || spare!.startedAt;
    const decision = decideExit(
      h,
      { code, signal, at: Date.now(), stopping: false, retired: false },
      this.policy,
    );
    if (decision.action === 'fail') {
      h.failed = true;
      this.host.spareExit(definition, code, signal, pid, null);
      return this.host.spareFailed(definition, decision.reason);
    }
    if (decision.action !== 'restart') return;
    h.startFailures = decision.startFailures;
    h.consecutiveCrashes = decision.consecutiveCrashes;
    h.lastError = decision.lastError;
    this.host.spareExit(definition, code, signal, pid, decision.delayMs);
    h.timer = setTimeout(() => {
      h.timer = null;
      this.fill();
    }, decision.delayMs);
  }

  private count(definition: WorkerDefinition): number {
    return this.spares.filter((s) => s.definition === definition && s.state !== 'stopping').length;
  }

  private fork(definition: WorkerDefinition): void {
    const process = this.host.forkSpare(definition);
    this.spares.push({ definition, process, state: 'starting', startedAt: Date.now(), warmAt: 0, held: [] });
  }
}

function freshHistory(): SlotHistory {
  return {
    readyAt: 0,
    startedAt: 0,
    startFailures: 0,
    consecutiveCrashes: 0,
    lastError: null,
    configError: false,
    exitReason: null,
  };
}
