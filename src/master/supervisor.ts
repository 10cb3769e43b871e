// The slot table: for each Worker definition `count` slots with stable ids. Forks a process per slot,
// notices exits, replaces crashed processes in the same slot with backoff, and gives up on slots that
// keep failing in onWorkerStart instead of crash-looping forever.
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
  isWorkerMessage,
  tagged,
  type MasterMessage,
  type WorkerMessage,
} from '../shared/messages.js';
import { decideExit, type ExitDecision, type RestartPolicy } from './restart-policy.js';

/** What the master knows of one Worker definition. */
export interface WorkerDefinition {
  index: number;
  name: string;
  count: number;
  reloadable: boolean;
}

export type SlotState = 'starting' | 'ready' | 'stopping' | 'waiting-restart' | 'failed' | 'stopped';

export interface Slot {
  readonly definition: WorkerDefinition;
  readonly id: number;
  state: SlotState;
  process: ClusterWorker | null;
  /** Replacements after crashes (not reloads). */
  restarts: number;
  /** Consecutive crashes, for the backoff; reset once a process stays up `resetAfterMs`. */
  consecutiveCrashes: number;
  /** Consecutive exits before ever becoming ready. */
  startFailures: number;
  /** Why the master itself ended the process (a hang), shown as lastError instead of "killed by SIGKILL". */
  exitReason: string | null;
  /** The last start failed with a ConfigError: no retry can fix it, so the slot fails at once. */
  configError: boolean;
  lastError: string | null;
  startedAt: number;
  readyAt: number;
  restartTimer: NodeJS.Timeout | null;
}

export interface SupervisorOptions extends RestartPolicy {
  /** The start script every worker runs. */
  script: string;
  /** Node flags for workers (e.g. a TypeScript loader). */
  execArgv: string[];
  /** Extra environment for every worker (the module form passes its module path here). */
  env?: Record<string, string>;
}

type StatsMessage = Extract<WorkerMessage, { wm: 'stats' }>;
type ChannelMessage = Extract<WorkerMessage, { wm: 'subscribe' | 'unsubscribe' | 'publish' }>;

/** What the supervisor announces; the meaning of every worker message on the master side. */
export interface SupervisorEvents {
  /** A process was forked for `slot` (its own, or a reload's replacement). */
  workerStart: [slot: Slot, pid: number];
  /** The slot's own process is ready (after a start, a restart, or a reload's adoption). */
  workerReady: [slot: Slot, pid: number];
  /** Any process of ours said it is ready, adopted or not (a reload waits for its replacement here). */
  processReady: [slot: Slot, worker: ClusterWorker];
  /** A process's onWorkerStart failed; it exits next. */
  startFailed: [slot: Slot, worker: ClusterWorker, error: string];
  /**
   * A process exited, with what the supervisor decided (restart-policy.ts), before it is applied: the
   * slot still shows the exited process. `slotFailed` follows a `fail` decision.
   */
  workerExit: [slot: Slot, code: number | null, signal: string | null, pid: number, decision: ExitDecision];
  slotFailed: [slot: Slot, reason: string];
  /** Any message of ours from a process: it is alive and its event loop runs (hang-watch.ts). */
  heard: [slot: Slot, worker: ClusterWorker];
  /** Worker.stopAll() in a worker: stop everything. */
  stopAllRequested: [slot: Slot];
  /** Cross-worker messaging: subscribe, unsubscribe, publish (channel-relay.ts). */
  channel: [slot: Slot, message: ChannelMessage, worker: ClusterWorker];
  /** A worker's counters (pushed every second, or the answer to a request). */
  stats: [slot: Slot, message: StatsMessage, worker: ClusterWorker];
}

export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly slots: Slot[] = [];
  /** While true, exits are expected and nothing is restarted. */
  stopping = false;

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
  }

  /** Fork a process for `slot`. It becomes the slot's process unless `asReplacement` (reload keeps the old one). */
  fork(slot: Slot, asReplacement = false): ClusterWorker {
    // setupPrimary settings are read at fork time, so several runtimes in one host can each set their own.
    cluster.setupPrimary({
      exec: this.options.script,
      args: [],
      execArgv: this.options.execArgv,
      serialization: 'advanced',
    });
    const worker = cluster.fork({
      ...this.options.env,
      [ENV_WORKER_INDEX]: String(slot.definition.index),
      [ENV_WORKER_ID]: String(slot.id),
      [ENV_WORKER_NAME]: slot.definition.name,
    });
    const pid = worker.process.pid ?? 0;
    this.forked.add(worker);
    if (!asReplacement) this.adopt(slot, worker);
    worker.on('message', (message: unknown) => this.onMessage(slot, worker, message));
    worker.on('exit', (code, signal) => this.onExit(slot, worker, pid, code, signal));
    // A message to a worker that is dying fails with EPIPE; its exit is handled above, so the error is not news.
    worker.on('error', () => {});
    this.emit('workerStart', slot, pid);
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

  /** Every message a process of ours sends; a user's own (untagged) messages are left to the user. */
  private onMessage(slot: Slot, worker: ClusterWorker, message: unknown): void {
    if (!isWorkerMessage(message)) return;
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
  }

  /** Send a message to a worker process, ignoring a channel that is already closed. */
  send(worker: ClusterWorker, message: MasterMessage): void {
    if (worker.isConnected()) worker.send(tagged(message));
  }

  startAll(): void {
    this.stopping = false;
    for (const slot of this.slots) this.fork(slot);
  }

  /** Processes alive right now, including a reload's replacement not yet adopted. */
  liveProcesses(): ClusterWorker[] {
    return Object.values(cluster.workers ?? {}).filter(
      (w): w is ClusterWorker => w !== undefined && !w.isDead() && this.owns(w),
    );
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
      if (!this.stopping && slot.state === 'waiting-restart') this.fork(slot);
    };
    if (delayMs === 0) restart();
    else slot.restartTimer = setTimeout(restart, delayMs);
  }

  /** Cancel pending restarts (stop). */
  cancelRestarts(): void {
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
