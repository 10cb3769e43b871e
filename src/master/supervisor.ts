// The slot table: for each Worker definition `count` slots with stable ids. Forks a process per slot,
// notices exits, replaces crashed processes in the same slot with backoff (with a warm spare when the
// Worker keeps one: spares.ts), and gives up on slots that keep failing in onWorkerStart instead of
// crash-looping forever.
// The one owner of what a worker's IPC message means on the master side: each verb has a small handler
// here (onMessage), which updates the slot and announces it as an event (SupervisorEvents). Reload, stop,
// status and the Runtime listen to those; none of them reads a worker's messages. A new verb: a case in
// onMessage and a named event.
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import {
  ENV_WORKER_ID,
  ENV_WORKER_INDEX,
  ENV_WORKER_NAME,
  ENV_WORKER_SPARE,
  isWorkerMessage,
  tagged,
  type MasterMessage,
  type WorkerMessage,
} from '../shared/messages.js';
import { decideExit } from './restart-policy.js';
import { SparePool } from './spares.js';
import { stopOne } from './stop.js';
import type { Slot, SupervisorEvents, SupervisorOptions, WorkerDefinition } from './supervisor-types.js';

export type {
  Slot,
  SlotState,
  SupervisorEvents,
  SupervisorOptions,
  WorkerDefinition,
} from './supervisor-types.js';

/** A spare retired by a reload gets this long to exit before SIGKILL (SIGTERM at 80%). */
const SPARE_STOP_TIMEOUT_MS = 2000;

export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly slots: Slot[] = [];
  /** While true, exits are expected and nothing is restarted. */
  stopping = false;
  /** The warm spares of Workers that keep some (`spare` option). */
  readonly spares: SparePool;
  /** The slot each process of ours works for; a spare has none until it takes one. */
  private readonly slotOf = new WeakMap<ClusterWorker, Slot>();

  constructor(
    definitions: readonly WorkerDefinition[],
    private readonly options: SupervisorOptions,
  ) {
    super();
    // Each reload lane waits on three events for its replacement: as many listeners as lanes, no leak.
    this.setMaxListeners(0);
    for (const definition of definitions) {
      for (let id = 0; id < definition.count; id++) {
        this.slots.push({
          definition,
          id,
          state: 'stopped',
          process: null,
          restarts: 0,
          consecutiveCrashes: 0,
          startFailures: 0,
          configError: false,
          exitReason: null,
          lastError: null,
          startedAt: 0,
          readyAt: 0,
          restartTimer: null,
        });
      }
    }
    this.spares = new SparePool(
      {
        isStopping: () => this.stopping,
        forkSpare: (definition) => {
          const worker = this.spawn(definition, { [ENV_WORKER_SPARE]: '1' });
          this.emit('spareStart', definition, worker.process.pid ?? 0);
          return worker;
        },
        sync: (worker, seq) => this.send(worker, { wm: 'sync', seq }),
        // The stop ladder, short: a spare has nothing to wind down, and one that hangs is killed.
        stop: (worker) => void stopOne(this, worker, false, SPARE_STOP_TIMEOUT_MS),
        spareReady: (definition, pid) => this.emit('spareReady', definition, pid),
        spareExit: (...args) => this.emit('spareExit', ...args),
        spareFailed: (definition, reason) => this.emit('spareFailed', definition, reason),
      },
      definitions,
      options,
    );
  }

  /** Fork a process for `slot`. It becomes the slot's process unless `asReplacement` (reload keeps the old one). */
  fork(slot: Slot, asReplacement = false): ClusterWorker {
    const worker = this.spawn(slot.definition, { [ENV_WORKER_ID]: String(slot.id) });
    this.slotOf.set(worker, slot);
    if (!asReplacement) this.adopt(slot, worker);
    this.emit('workerStart', slot, worker.process.pid ?? 0, false);
    return worker;
  }

  /** Give `slot` a new process of its own: a warm spare of its Worker when there is one, else a fork. */
  replace(slot: Slot): void {
    const taken = this.spares.take(slot.definition);
    if (!taken) return void this.fork(slot);
    const { process: spare, held } = taken;
    this.slotOf.set(spare, slot);
    this.adopt(slot, spare);
    this.send(spare, { wm: 'takeSlot', id: slot.id });
    this.emit('workerStart', slot, spare.process.pid ?? 0, true);
    for (const message of held) this.onMessage(slot, spare, message);
  }

  /** A process of ours for `definition`; its messages and exit go to the slot it works for, if any yet. */
  private spawn(definition: WorkerDefinition, env: Record<string, string>): ClusterWorker {
    // setupPrimary settings are read at fork time, so several runtimes in one host can each set their own.
    cluster.setupPrimary({
      exec: this.options.script,
      args: [],
      execArgv: this.options.execArgv,
      serialization: 'advanced',
    });
    const worker = cluster.fork({
      ...this.options.env,
      [ENV_WORKER_INDEX]: String(definition.index),
      [ENV_WORKER_NAME]: definition.name,
      ...env,
    });
    const pid = worker.process.pid ?? 0;
    this.forked.add(worker);
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      const slot = this.slotOf.get(worker);
      if (slot) this.onMessage(slot, worker, message);
      else this.spares.onMessage(worker, message);
    });
    worker.on('exit', (code, signal) => {
      const slot = this.slotOf.get(worker);
      if (slot) this.onExit(slot, worker, pid, code, signal);
      else this.spares.onExit(worker, pid, code, signal);
    });
    // A message to a worker that is dying fails with EPIPE; its exit is handled above, so the error is not news.
    worker.on('error', () => {});
    return worker;
  }

  /** Make `worker` the process of `slot` (a reload's replacement, once it is ready). */
  adopt(slot: Slot, worker: ClusterWorker): void {
    slot.process = worker;
    slot.configError = false;
    slot.exitReason = null;
    slot.state = 'starting';
    slot.startedAt = Date.now();
    slot.readyAt = 0;
  }

  /** Every message of ours a slot's process sends; a user's own (untagged) messages are left to the user. */
  private onMessage(slot: Slot, worker: ClusterWorker, message: WorkerMessage): void {
    this.emit('heard', slot, worker);
    switch (message.wm) {
      case 'ready':
        return this.onReady(slot, worker);
      case 'startFailed':
        return this.onStartFailed(slot, worker, message.error, message.config === true);
      case 'sync':
        // Everything the worker sent before it has been handled: say so (worker-process.ts).
        return this.send(worker, { wm: 'sync', seq: message.seq });
      case 'stopAll':
        return void this.emit('stopAllRequested', slot);
      case 'stats':
        return void this.emit('stats', slot, message, worker);
      case 'subscribe':
      case 'unsubscribe':
      case 'publish':
        return void this.emit('channel', slot, message, worker);
    }
  }

  private onReady(slot: Slot, worker: ClusterWorker): void {
    if (slot.process === worker) this.markReady(slot);
    this.emit('processReady', slot, worker);
  }

  private onStartFailed(slot: Slot, worker: ClusterWorker, error: string, config: boolean): void {
    if (slot.process === worker) {
      slot.lastError = error;
      slot.configError = config;
    }
    this.emit('startFailed', slot, worker, error);
  }

  markReady(slot: Slot): void {
    slot.configError = false;
    slot.state = 'ready';
    slot.readyAt = Date.now();
    slot.startFailures = 0;
    this.emit('workerReady', slot, slot.process?.process.pid ?? 0);
    // A spare this slot took is replaced now that it is up (not while it started), after this turn: a fork
    // blocks the master for a few ms, which a listener of workerReady should not wait for.
    setImmediate(() => this.spares.fill());
  }

  /** Send a message to a worker process, ignoring a channel that is already closed. */
  send(worker: ClusterWorker, message: MasterMessage): void {
    if (worker.isConnected()) worker.send(tagged(message));
  }

  startAll(): void {
    this.stopping = false;
    for (const slot of this.slots) this.fork(slot);
  }

  /** Processes alive right now, including a reload's replacement not yet adopted and the warm spares. */
  liveProcesses(): ClusterWorker[] {
    return Object.values(cluster.workers ?? {}).filter(
      (w): w is ClusterWorker => w !== undefined && !w.isDead() && this.owns(w),
    );
  }

  /** Slot processes alone (a reload's replacement too): no spare. */
  workerProcesses(): ClusterWorker[] {
    return this.liveProcesses().filter((w) => this.slotOf.has(w));
  }

  private readonly forked = new WeakSet<ClusterWorker>();
  private owns(worker: ClusterWorker): boolean {
    return this.forked.has(worker) || this.slots.some((s) => s.process === worker);
  }

  private onExit(
    slot: Slot,
    worker: ClusterWorker,
    pid: number,
    code: number | null,
    signal: string | null,
  ): void {
    const exit = {
      code,
      signal,
      at: Date.now(),
      stopping: this.stopping || slot.state === 'stopping',
      retired: slot.process !== worker,
    };
    const decision = decideExit(slot, exit, this.options);
    this.emit('workerExit', slot, code, signal, pid, decision);
    if (decision.action === 'retired') return;
    slot.process = null;
    switch (decision.action) {
      case 'stopped':
        slot.state = 'stopped';
        return;
      case 'fail':
        slot.startFailures = decision.startFailures;
        slot.lastError = decision.lastError;
        slot.state = 'failed';
        this.emit('slotFailed', slot, decision.reason);
        return;
      case 'restart':
        slot.startFailures = decision.startFailures;
        slot.consecutiveCrashes = decision.consecutiveCrashes;
        slot.lastError = decision.lastError;
        this.scheduleRestart(slot, decision.delayMs);
    }
  }

  private scheduleRestart(slot: Slot, delayMs: number): void {
    slot.restarts++;
    slot.state = 'waiting-restart';
    const restart = () => {
      slot.restartTimer = null;
      if (!this.stopping && slot.state === 'waiting-restart') this.replace(slot);
    };
    if (delayMs === 0) restart();
    else slot.restartTimer = setTimeout(restart, delayMs);
  }

  /** Cancel pending restarts and spares (stop). */
  cancelRestarts(): void {
    this.spares.cancel();
    for (const slot of this.slots) {
      if (slot.restartTimer) clearTimeout(slot.restartTimer);
      slot.restartTimer = null;
      if (slot.state === 'waiting-restart') slot.state = 'stopped';
    }
  }
}

/** "name#id": how logs, results and the CLI name a slot. */
export function slotName(slot: Slot): string {
  return `${slot.definition.name}#${slot.id}`;
}
