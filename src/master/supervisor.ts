// The slot table: for each Worker definition `count` slots with stable ids. Forks a process per slot,
// notices exits, replaces crashed processes in the same slot with backoff, and gives up on slots that
// keep failing in onWorkerStart instead of crash-looping forever.
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import {
  ENV_WORKER_ID,
  ENV_WORKER_INDEX,
  ENV_WORKER_NAME,
  EXIT_CODES,
  isWorkerMessage,
  tagged,
  type MasterMessage,
  type WorkerMessage,
} from '../shared/messages.js';

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

export interface SupervisorOptions {
  /** The start script every worker runs. */
  script: string;
  /** Node flags for workers (e.g. a TypeScript loader). */
  execArgv: string[];
  /** Extra environment for every worker (the module form passes its module path here). */
  env?: Record<string, string>;
  /** Consecutive start failures after which a slot is marked failed. */
  maxStartFailures: number;
  /** Backoff: first delay after the first (immediate) replacement, and the cap. */
  restartDelayMs: number;
  maxRestartDelayMs: number;
  /** A process that stays up this long resets its slot's backoff. */
  resetAfterMs: number;
}

export interface SupervisorEvents {
  workerStart: [slot: Slot, pid: number];
  workerReady: [slot: Slot, pid: number];
  workerExit: [slot: Slot, code: number | null, signal: string | null, pid: number];
  slotFailed: [slot: Slot, reason: string];
  message: [slot: Slot, message: WorkerMessage, worker: ClusterWorker];
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
    worker.on('message', (message: unknown) => {
      if (!isWorkerMessage(message)) return;
      if (message.wm === 'ready' && slot.process === worker) this.markReady(slot);
      if (message.wm === 'startFailed' && slot.process === worker) {
        slot.lastError = message.error;
        slot.configError = message.config === true;
      }
      if (message.wm === 'sync') this.send(worker, { wm: 'sync', seq: message.seq });
      this.emit('message', slot, message, worker);
    });
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
    this.emit('workerExit', slot, code, signal, pid);
    if (slot.process !== worker) return; // a retired process (reload) or a replacement that never got adopted
    slot.process = null;
    const wasReady = slot.readyAt > 0;
    if (this.stopping || slot.state === 'stopping') {
      slot.state = 'stopped';
      return;
    }
    if (!wasReady || code === EXIT_CODES.START_FAILED) {
      slot.startFailures++;
      if (!slot.lastError) slot.lastError = describeExit(code, signal);
      if (slot.configError) {
        slot.state = 'failed';
        this.emit('slotFailed', slot, `configuration error: ${slot.lastError}`);
        return;
      }
      if (slot.startFailures >= this.options.maxStartFailures) {
        slot.state = 'failed';
        this.emit(
          'slotFailed',
          slot,
          `failed to start ${slot.startFailures} times in a row: ${slot.lastError}`,
        );
        return;
      }
      this.scheduleRestart(slot, slot.startFailures);
    } else {
      if (Date.now() - slot.startedAt >= this.options.resetAfterMs) slot.consecutiveCrashes = 0;
      slot.lastError = slot.exitReason ?? describeExit(code, signal);
      this.scheduleRestart(slot, slot.consecutiveCrashes++);
    }
  }

  /** `failures` before this one: 0 means replace at once (as fast as a bare cluster.fork()). */
  private scheduleRestart(slot: Slot, failures: number): void {
    const delay =
      failures === 0
        ? 0
        : Math.min(this.options.maxRestartDelayMs, this.options.restartDelayMs * 2 ** (failures - 1));
    slot.restarts++;
    slot.state = 'waiting-restart';
    const restart = () => {
      slot.restartTimer = null;
      if (!this.stopping && slot.state === 'waiting-restart') this.fork(slot);
    };
    if (delay === 0) restart();
    else slot.restartTimer = setTimeout(restart, delay);
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

/** "exit code 1", "signal SIGKILL", with Node's meaning of our own codes. */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal) return `killed by ${signal}`;
  if (code === EXIT_CODES.UNCAUGHT) return `exit code ${code} (uncaught exception)`;
  if (code === EXIT_CODES.START_FAILED) return `exit code ${code} (onWorkerStart failed)`;
  return `exit code ${code ?? 'unknown'}`;
}
