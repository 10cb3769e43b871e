// The supervisor's vocabulary: what the master knows of a Worker definition and of each slot, its options,
// and the events it announces (the meaning of every worker message on the master side). Types only, so
// reload, stop, status and the Runtime can name them without loading the supervisor.
import type { Worker as ClusterWorker } from 'node:cluster';
import type { WorkerMessage } from '../shared/messages.js';
import type { ExitDecision, RestartPolicy } from './restart-policy.js';

/** What the master knows of one Worker definition. */
export interface WorkerDefinition {
  index: number;
  name: string;
  count: number;
  reloadable: boolean;
  /** Warm spares to keep for this Worker's slots (0: none). */
  spare: number;
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

export type StatsMessage = Extract<WorkerMessage, { wm: 'stats' }>;
export type ChannelMessage = Extract<WorkerMessage, { wm: 'subscribe' | 'unsubscribe' | 'publish' }>;

/** What the supervisor announces; the meaning of every worker message on the master side. */
export interface SupervisorEvents {
  /** A process was forked for `slot` (its own, or a reload's replacement), or a warm spare took it (`spare`). */
  workerStart: [slot: Slot, pid: number, spare: boolean];
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
  /** A warm spare was forked for `definition` (spares.ts). */
  spareStart: [definition: WorkerDefinition, pid: number];
  /** A spare has imported the script and can take a slot. */
  spareReady: [definition: WorkerDefinition, pid: number];
  /** A spare exited before taking a slot; `respawnInMs` null: not respawned (stop, reload, given up). */
  spareExit: [
    definition: WorkerDefinition,
    code: number | null,
    signal: string | null,
    pid: number,
    respawnInMs: number | null,
  ];
  /** The spares of `definition` keep dying before they are warm: no more until the next reload. */
  spareFailed: [definition: WorkerDefinition, reason: string];
}
