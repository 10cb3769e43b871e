// Worker: the user-facing definition of a group of `count` processes, and Worker.runAll(),
// the switch that makes this process a master (cluster primary) or one worker (cluster worker).
import { createRequire } from 'node:module';
import { MASTER_SETTINGS } from '../shared/config.js';
import { ENV_WORKER_ID, ENV_WORKER_INDEX } from '../shared/messages.js';
import { attachToMaster, runWorkerProcess, requestStopAll } from './worker-process.js';

/** Options accepted by `new Worker(options)`; every one is also a settable property. */
export interface WorkerOptions {
  /** Shown in status, logs and process titles. Default `'none'`. */
  name?: string;
  /** How many processes to run for this definition. Default `1`. */
  count?: number;
  /** `false`: on reload the process only runs `onWorkerReload` and keeps running. Default `true`. */
  reloadable?: boolean;
  onWorkerStart?: WorkerCallback | null;
  onWorkerStop?: WorkerCallback | null;
  onWorkerReload?: WorkerCallback | null;
}

export type WorkerCallback = (worker: Worker) => unknown;
export type WorkerExitCallback = (
  worker: Worker,
  code: number | null,
  signal: string | null,
  pid: number,
) => unknown;

type PrimaryEntry = (workers: Worker[]) => void;
let primaryEntry: PrimaryEntry | null = null;

/** @internal The master side registers itself here (the worker side never imports it). */
export function setPrimaryEntry(entry: PrimaryEntry): void {
  primaryEntry = entry;
}

let primaryStopAll: (() => void) | null = null;

/** @internal What Worker.stopAll() does outside a worker: stop every runtime of this process. */
export function setPrimaryStopAll(stopAll: () => void): void {
  primaryStopAll = stopAll;
}

const definitions: Worker[] = [];

/** While > 0, a workers module is being evaluated (module form): its own top-level runAll() does nothing. */
let runAllSuppressed = 0;

/**
 * @internal Run `load` (an import of a workers module) with `Worker.runAll()` turned into a no-op, so a
 * start script used as a module (it exports its Workers and also calls runAll() at the top level) neither
 * runs the CLI in a host (argv parsing, process.exit) nor starts the wrong Worker in a worker process.
 */
export async function withoutRunAll<T>(load: () => Promise<T>): Promise<T> {
  runAllSuppressed++;
  try {
    return await load();
  } finally {
    runAllSuppressed--;
  }
}

/**
 * `cluster.isWorker`, with node:cluster loaded only when it is the question: a worker process has it loaded
 * already (Node's start-up does), but in a primary it brings cluster's primary side and child_process
 * (~15 ms) that a CLI verb like `status` never uses. `node:cluster` is only asked when the master's
 * environment is there, or by Worker.stopAll().
 */
const requireBuiltin = createRequire(import.meta.url);
function isClusterWorker(): boolean {
  return (requireBuiltin('node:cluster') as typeof import('node:cluster').default).isWorker;
}
/** A worker process that our master forked (its environment names the definition to run). */
const isOurWorker = process.env[ENV_WORKER_INDEX] !== undefined && isClusterWorker();

if (isOurWorker) attachToMaster();

export class Worker {
  /** Path of the pid file. Default: `<start script dir>/workerman.<script name>.pid`. */
  static pidFile: string = MASTER_SETTINGS.pidFile.default;
  /** Runtime log file (daemon mode and `Worker.log`). Default: `<start script dir>/workerman.log`. */
  static logFile: string = MASTER_SETTINGS.logFile.default;
  /** Where stdout/stderr of every process go in daemon mode. Default `/dev/null`. */
  static stdoutFile: string = MASTER_SETTINGS.stdoutFile.default;
  /** Seconds a stopping worker gets before it is killed (SIGKILL). Default `10`. */
  static stopTimeout: number = MASTER_SETTINGS.stopTimeout.default;
  /** Seconds a starting worker gets to become ready before the start fails. Default `30`. */
  static readyTimeout: number = MASTER_SETTINGS.readyTimeout.default;
  /**
   * How many slots a rolling reload replaces at the same time (each one make-before-break). Default `2`,
   * PM2's default; `1` rolls strictly one slot after the other, as Workerman does.
   */
  static reloadConcurrency: number = MASTER_SETTINGS.reloadConcurrency.default;
  /** Run the master in the background (`start -d` sets it). Default `false`. */
  static daemonize = false;
  /**
   * `host:port` where the master serves /metrics (Prometheus text), /healthz and /readyz, e.g.
   * `'127.0.0.1:9464'` (port 0 picks a free port). Default `''`: off. See docs/status.md.
   */
  static metricsListen: string = MASTER_SETTINGS.metricsListen.default;
  /** Master-side hook: at the start of every reload. */
  static onMasterReload: (() => unknown) | null = null;
  /** Master-side hook: just before the master exits. */
  static onMasterStop: (() => unknown) | null = null;
  /** Master-side hook: each time a worker process exits. */
  static onWorkerExit: WorkerExitCallback | null = null;

  name = 'none';
  count = 1;
  /** Index of this process within its Worker, 0..count-1; kept by replacements. -1 outside a worker process. */
  id = -1;
  reloadable = true;
  onWorkerStart: WorkerCallback | null = null;
  onWorkerStop: WorkerCallback | null = null;
  onWorkerReload: WorkerCallback | null = null;

  constructor(options?: WorkerOptions) {
    if (typeof options === 'string') {
      throw new TypeError(
        `new Worker('${String(options)}'): listening workers are not supported (yet). ` +
          `ws:// and wss:// are client protocols: open them with new AsyncTcpConnection(url) inside onWorkerStart.`,
      );
    }
    if (options !== undefined && (typeof options !== 'object' || options === null)) {
      throw new TypeError('new Worker(options): options must be an object');
    }
    Object.assign(this, options);
    definitions.push(this);
  }

  /** @internal Take (and forget) every definition made so far: a host loading a module of workers. */
  static takeDefinitions(): Worker[] {
    return definitions.splice(0, definitions.length);
  }

  /** @internal Make `list` the definitions of this process (the module form's worker side). */
  static replaceDefinitions(list: readonly Worker[]): void {
    definitions.splice(0, definitions.length, ...list);
  }

  /** Every Worker defined in this process, in construction order. */
  static getAllWorkers(): readonly Worker[] {
    return definitions;
  }

  /**
   * Start everything. In the primary process this reads the command from argv (`start`, `stop`, ...);
   * in a worker process it runs the one Worker definition the master assigned to it.
   */
  static runAll(): void {
    if (runAllSuppressed > 0) return; // a workers module being loaded: only its export counts
    const index = process.env[ENV_WORKER_INDEX];
    if (isOurWorker && index !== undefined) {
      const definition = definitions[Number(index)];
      if (!definition) {
        throw new Error(`worker definition #${index} not found: did the start script change while starting?`);
      }
      runWorkerProcess(definition, Number(process.env[ENV_WORKER_ID] ?? 0));
      return;
    }
    if (!primaryEntry) throw new Error('workerman-ts: the master entry point is not loaded');
    // Hand the definitions over; a host that loads several scripts into Runtimes gets each script's own.
    primaryEntry(definitions.splice(0, definitions.length));
  }

  /**
   * Stop the whole runtime. Inside a worker this asks the master to stop every process
   * (Workerman only restarts the calling worker; users asked for this). In the master or an embedding
   * host it stops every runtime of the process (never signals or exits the process itself).
   */
  static stopAll(): void {
    if (isClusterWorker()) requestStopAll();
    else primaryStopAll?.();
  }
}
