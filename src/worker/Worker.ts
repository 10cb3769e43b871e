// Worker: the user-facing definition of a group of `count` processes, and Worker.runAll(),
// the switch that makes this process a master (cluster primary) or one worker (cluster worker).
import { createRequire } from 'node:module';
import { MASTER_SETTINGS } from '../shared/config.js';
import { ENV_WORKER_ID, ENV_WORKER_INDEX, ENV_WORKER_SPARE } from '../shared/messages.js';
import { activeAssignment } from './keys.js';
import { shardOf } from './hrw.js';
import { hostShard, processShard, type ShardInfo } from './shard.js';
import { attachToMaster, runWorkerProcess, requestStopAll, waitAsSpare } from './worker-process.js';
import type { TcpConnection } from '../connection/server/TcpConnection.js';
import { checkListenOptions, LISTEN_DEFAULTS, type ListenOptions } from './listen-options.js';

/** Options accepted by `new Worker(options)`; every one is also a settable property. */
export interface WorkerOptions extends ListenOptions {
  /** Shown in status, logs and process titles. Default `'none'`. */
  name?: string;
  /** How many processes to run for this definition. Default `1`. */
  count?: number;
  /** `false`: on reload the process only runs `onWorkerReload` and keeps running. Default `true`. */
  reloadable?: boolean;
  /**
   * Warm spares: processes that have imported the script and take over a slot that dies, without a fork
   * (see docs/worker.md). A whole number from 0 to `count`. Default `0`.
   */
  spare?: number;
  onWorkerStart?: WorkerCallback | null;
  onWorkerStop?: WorkerCallback | null;
  onWorkerReload?: WorkerCallback | null;
  /** Work keys (symbols, rooms, accounts) to share out among the processes; see docs/sharding.md. Default `[]`. */
  keys?: readonly string[];
  /** Called with the keys this process gained and lost (awaited, one call at a time). Default `null`. */
  onKeysAssigned?: KeysAssignedCallback | null;
  /** Redis URL of the coordinator (dynamic ownership over live members). Default `''`: `Worker.coordinator`. */
  coordinator?: string;
  /** Seconds a member's lease lasts in Redis (renewed every third of it). Default `5`. */
  leaseTtl?: number;
  /** Members of one group share the keys (Redis keys `workerman-ts:<group>:*`). Default `''`: the name. */
  coordinatorGroup?: string;
  /** Redis unreachable past the lease: `'keep'` the keys (default) or `'release'` them. */
  whenCoordinatorDown?: 'keep' | 'release';
}

export type KeysAssignedCallback = (
  worker: Worker,
  added: readonly string[],
  removed: readonly string[],
) => unknown;

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
  /**
   * `'text'` (default): `<ISO time> master pid:N message` lines; `'json'`: one JSON object per line, for log
   * shippers, from the master and from every worker (their console.* calls included). The environment
   * variable `WORKERMAN_LOG_FORMAT` overrides it. See docs/logs.md.
   */
  static logFormat: 'text' | 'json' = MASTER_SETTINGS.logFormat.default;
  /** Bytes after which the log file (and in daemon mode the stdout file) is rotated; 0 = never. Default 10 MiB. */
  static logMaxSize: number = MASTER_SETTINGS.logMaxSize.default;
  /** Rotated files kept (`workerman.log.1` .. `.N`). Default `5`. */
  static logKeep: number = MASTER_SETTINGS.logKeep.default;
  /** Seconds a stopping worker gets before it is killed (SIGKILL). Default `10`. */
  static stopTimeout: number = MASTER_SETTINGS.stopTimeout.default;
  /** Seconds a starting worker gets to become ready before the start fails. Default `30`. */
  static readyTimeout: number = MASTER_SETTINGS.readyTimeout.default;
  /**
   * How many slots a rolling reload replaces at the same time (each one make-before-break). Default `2`,
   * PM2's default; `1` rolls strictly one slot after the other, as Workerman does.
   */
  static reloadConcurrency: number = MASTER_SETTINGS.reloadConcurrency.default;
  /**
   * Seconds a ready worker may go without a sign of life (its stats push every second) before the master
   * kills it (SIGKILL) and replaces it like a crash: a blocked event loop. Default `0`: off (status still
   * shows it `unresponsive` after 3 s). See docs/worker.md.
   */
  static hangTimeout: number = MASTER_SETTINGS.hangTimeout.default;
  /** Run the master in the background (`start -d` sets it). Default `false`. */
  static daemonize = false;
  /**
   * `host:port` where the master serves /metrics (Prometheus text), /healthz and /readyz, e.g.
   * `'127.0.0.1:9464'` (port 0 picks a free port). Default `''`: off. See docs/status.md.
   */
  static metricsListen: string = MASTER_SETTINGS.metricsListen.default;
  /**
   * Redis URL (`redis://[:password@]host:port[/db]`, `rediss://` for TLS) of the coordinator for every
   * Worker with keys that sets no `coordinator` of its own. Default `''`: static shards. See docs/sharding.md.
   */
  static coordinator: string = MASTER_SETTINGS.coordinator.default;
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
  spare = 0;
  onWorkerStart: WorkerCallback | null = null;
  onWorkerStop: WorkerCallback | null = null;
  onWorkerReload: WorkerCallback | null = null;
  keys: readonly string[] = [];
  onKeysAssigned: KeysAssignedCallback | null = null;
  coordinator = '';
  leaseTtl = 5;
  coordinatorGroup = '';
  whenCoordinatorDown: 'keep' | 'release' = 'keep';

  /**
   * This process's shard across the deployment: `index` = host x count + id of `total` = hosts x count,
   * the host from WORKER_SHARD=<index>/<total> or a StatefulSet ordinal with WORKER_SHARDS. Null outside a
   * worker process.
   */
  get shard(): ShardInfo | null {
    if (this.id < 0) return null;
    return activeAssignment()?.shard ?? processShard(hostShard(), this.count, this.id);
  }

  /**
   * Does this process own `key`? Static shards: rendezvous hashing over the shards. With a coordinator: over
   * the live members of the last round. False outside a worker process.
   */
  ownsKey(key: string): boolean {
    const assignment = activeAssignment();
    if (assignment?.worker === this) return assignment.ownsKey(key);
    const shard = this.shard;
    return shard !== null && shardOf(String(key), shard.total) === shard.index;
  }

  /** The keys of `keys` this process owns now (what onKeysAssigned has been told). */
  get ownedKeys(): ReadonlySet<string> {
    const assignment = activeAssignment();
    return assignment?.worker === this ? assignment.ownedKeys() : new Set();
  }

  /** Replace the list of keys; the keys this process gains or loses go to onKeysAssigned. */
  setKeys(keys: Iterable<string>): void {
    this.keys = Array.from(keys, String);
    const assignment = activeAssignment();
    if (assignment?.worker === this) assignment.refresh();
  }

  // ---- listening (docs/servers.md); defaults in listen-options.ts ----
  /** Listen address, e.g. `'websocket://0.0.0.0:2346'`; `''` = no server (a client/task worker). */
  listen = LISTEN_DEFAULTS.listen;
  /** SO_REUSEPORT: every process binds its own socket (Node 22.12+/23.1+). Default false: node:cluster round-robin. */
  reusePort = LISTEN_DEFAULTS.reusePort;
  maxConnections = LISTEN_DEFAULTS.maxConnections;
  maxPackageSize = LISTEN_DEFAULTS.maxPackageSize;
  maxSendBufferSize = LISTEN_DEFAULTS.maxSendBufferSize;
  perMessageDeflate = LISTEN_DEFAULTS.perMessageDeflate;
  websocketType = LISTEN_DEFAULTS.websocketType;
  skipUTF8Validation = LISTEN_DEFAULTS.skipUTF8Validation;
  handshakeTimeout = LISTEN_DEFAULTS.handshakeTimeout;
  closeTimeout = LISTEN_DEFAULTS.closeTimeout;
  idleTimeout = LISTEN_DEFAULTS.idleTimeout;
  /** Callbacks for every accepted connection (a callback set on the connection itself wins). */
  onConnect: ListenOptions['onConnect'] = null;
  onWebSocketConnect: ListenOptions['onWebSocketConnect'] = null;
  onMessage: ListenOptions['onMessage'] = null;
  onClose: ListenOptions['onClose'] = null;
  onError: ListenOptions['onError'] = null;
  onBufferFull: ListenOptions['onBufferFull'] = null;
  onBufferDrain: ListenOptions['onBufferDrain'] = null;
  /** Accepted connections of this process, id -> connection (client connections are not in it, as in Workerman). */
  readonly connections = new Map<number, TcpConnection>();

  /**
   * `new Worker(options)`, or `new Worker('websocket://0.0.0.0:2346', options)` for a listening Worker.
   * @throws TypeError for a bad listen address (`ws://` is a client scheme) or a bad listen option.
   */
  constructor(listenOrOptions?: string | WorkerOptions, options?: WorkerOptions) {
    let opts = listenOrOptions;
    if (typeof listenOrOptions === 'string') {
      opts = { ...options, listen: listenOrOptions };
    } else if (options !== undefined) {
      throw new TypeError(
        'new Worker(options): give the options once (new Worker(listen, options) or new Worker(options))',
      );
    }
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) {
      throw new TypeError('new Worker(options): options must be an object');
    }
    Object.assign(this, opts);
    checkListenOptions(this as never);
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
      if (process.env[ENV_WORKER_SPARE] === '1') waitAsSpare(definition);
      else runWorkerProcess(definition, Number(process.env[ENV_WORKER_ID] ?? 0));
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
