// Runtime: the master as a library object. Start, reload, stop and inspect the workers of a start script
// from code, with promises and events. The CLI is a thin layer on top; nothing here calls process.exit.
import { EventEmitter } from 'node:events';
import { resolve as resolvePath } from 'node:path';
import {
  checkReloadConcurrency,
  setPrimaryStopAll,
  show,
  workerSeconds,
  type Worker,
} from '../worker/Worker.js';
import { checkKeysConfig } from '../worker/keys-config.js';
import { RuntimeStartError } from './errors.js';
import { checkListenOptions } from '../worker/listen-options.js';
import { redact } from '../connection/secrets.js';
import { ENV_WORKERS_EXPORT, ENV_WORKERS_MODULE } from '../worker/workers-module.js';
import { loadDefinitions, loadModuleDefinitions } from './load-script.js';
import type { ReloadResult } from './reload.js';
import { EXIT_CODES } from '../shared/messages.js';
import { packagePath } from '../package-path.js';
import type { Endpoints } from './status/endpoints.js';
import type { StatusService, ConnectionsReport, StatusReport } from './status/index.js';
import type { Slot, SlotState, Supervisor, WorkerDefinition } from './supervisor.js';
import type { ChannelRelay, ChannelRelayStats } from './channel-relay.js';
import type { HangWatch } from './hang-watch.js';

/**
 * The supervisor, status service, reload and stop machinery, imported by the first start()/create():
 * the package entry exports Runtime, so every worker process and CLI verb loads this file (see engine.ts).
 */
type Engine = typeof import('./engine.js');
let loadedEngine: Engine | null = null;
async function loadEngine(): Promise<Engine> {
  return (loadedEngine ??= await import('./engine.js'));
}
/** The engine, which every Runtime instance has (they are only made after loadEngine()). */
function engine(): Engine {
  if (!loadedEngine) throw new Error('workerman-ts: Runtime used before Runtime.start()');
  return loadedEngine;
}

export interface RuntimeOptions {
  /** The start script (the file a user runs with `node app.js start`, ending in `Worker.runAll()`). */
  script?: string;
  /** Module form, instead of `script`: a module whose export `export` defines the Workers. */
  module?: string;
  /** The export of `module` to evaluate: a function that creates Workers, or Worker(s). Default `'default'`. */
  export?: string;
  /** Seconds a stopping worker gets before SIGKILL. Default: `Worker.stopTimeout` (10). */
  stopTimeout?: number;
  /** Seconds a starting worker gets to finish onWorkerStart. Default 30. */
  readyTimeout?: number;
  /** Slots a reload replaces at the same time. Default: `Worker.reloadConcurrency` (2). */
  reloadConcurrency?: number;
  /** Node flags for the worker processes. Default: this process's `execArgv`. */
  execArgv?: string[];
  /** Receives the runtime's log lines (without timestamp). Default: none (listen to events instead). */
  logger?: (message: string) => void;
  /**
   * Take the master's signals in this process (SIGINT/SIGTERM stop, SIGQUIT graceful stop, SIGUSR1/SIGUSR2
   * reload, a second stop signal kills): what the CLI does. Removed again once the runtime stopped.
   * Default `false`: a library does not take a host's signals unless asked.
   */
  handleSignals?: boolean;
  /** `host:port` of the HTTP endpoint for /metrics, /healthz, /readyz. Default: `Worker.metricsListen` (`''` = off). */
  metricsListen?: string;
  /** A worker that does not answer a status request within this many ms shows as `busy`. Default 300. */
  busyAfterMs?: number;
  /** Seconds of silence after which a ready worker is killed and replaced (hung). Default: `Worker.hangTimeout` (0 = off). */
  hangTimeout?: number;
}

/** One slot as `rt.workers` shows it. */
export interface SlotSnapshot {
  name: string;
  id: number;
  pid: number | null;
  state: SlotState;
  restarts: number;
  startedAt: number | null;
  lastError: string | null;
}

export interface RuntimeEvents {
  workerStart: [slot: SlotSnapshot];
  workerReady: [slot: SlotSnapshot];
  workerExit: [slot: SlotSnapshot, code: number | null, signal: string | null];
  reload: [result: ReloadResult];
  /** A stop began (whoever asked: stop(), a signal, the control socket, Worker.stopAll()). */
  stopping: [];
  stop: [];
  error: [error: Error];
  log: [message: string];
}

/**
 * Runtimes of this process that have not been stopped: Worker.stopAll() outside a worker stops them.
 * Process-wide: a start script that tsx runs as CommonJS loads this package as CommonJS, while the CLI it
 * imports lazily (primary.ts) is ESM, so this module can exist twice in one master.
 */
const liveRuntimes = ((globalThis as { [key: symbol]: unknown })[Symbol.for('workerman-ts.liveRuntimes')] ??=
  new Set<Runtime>()) as Set<Runtime>;
setPrimaryStopAll(() => {
  for (const runtime of liveRuntimes) void runtime.stop();
});

/** Consecutive failures in onWorkerStart after which a slot is marked failed instead of restarted. */
const MAX_START_FAILURES = 5;

export class Runtime extends EventEmitter<RuntimeEvents> {
  readonly script: string;
  readonly startedAt = Date.now();
  private readonly supervisor: Supervisor;
  private readonly stopTimeout: number;
  private readonly readyTimeout: number;
  private readonly reloadConcurrency: number;
  private stopping: Promise<void> | null = null;
  private stoppedAfterFailedStart = false;
  private reloading: Promise<ReloadResult> | null = null;
  private readonly statusService: StatusService;
  private readonly endpoints: Endpoints;
  private readonly metricsListen: string;
  private readonly channel: ChannelRelay;
  private readonly hangWatch: HangWatch;

  /**
   * Load `options.script` (its `Worker.runAll()` only hands over its Worker definitions here), fork every
   * worker, and resolve once all are ready. Rejects with RuntimeStartError if they are not.
   */
  static async start(options: RuntimeOptions): Promise<Runtime> {
    if (typeof options !== 'object' || options === null || !options.script === !options.module) {
      throw new TypeError('Runtime.start: give exactly one of { script } or { module, export }');
    }
    checkOptions(options);
    // The engine is imported while the script loads (a failed script load leaves it unobserved).
    const engineLoaded = loadEngine();
    engineLoaded.catch(() => undefined);
    let definitions: Worker[];
    let launch: RuntimeOptions & { env?: Record<string, string> };
    if (options.script) {
      const script = resolvePath(options.script);
      definitions = await loadDefinitions(script);
      launch = { ...options, script };
    } else {
      const module = resolvePath(options.module ?? '');
      const name = options.export ?? 'default';
      definitions = await loadModuleDefinitions(module, name);
      launch = {
        ...options,
        script: packagePath('dist/src/worker/module-entry.js'),
        env: { [ENV_WORKERS_MODULE]: module, [ENV_WORKERS_EXPORT]: name },
      };
    }
    await engineLoaded;
    const runtime = new Runtime(definitions, launch);
    await runtime.openEndpoints();
    await runtime.startWorkers();
    if (options.handleSignals) runtime.takeSignals();
    return runtime;
  }

  /** Install the master's signal handlers for this runtime until it has stopped. */
  private takeSignals(): void {
    const uninstall = engine().installSignals(
      {
        isStopping: () => this.stopping !== null,
        stop: (graceful) => void this.stop({ graceful }),
        kill: () => this.kill(),
        reload: (graceful) => void this.reload({ graceful }).catch((err: Error) => this.log(err.message)),
        reopenLogs: () => undefined,
        log: (message) => this.log(message),
      },
      { hangupStops: false },
    );
    this.once('stop', uninstall);
  }

  /**
   * @internal The CLI, which already ran the script as the master, passes the definitions it collected.
   * It gets the object before the workers start, so a stop signal during start can stop them: then
   * `launch()` rejects with "stopped while starting".
   */
  static async create(definitions: readonly Worker[], options: RuntimeOptions): Promise<Runtime> {
    await loadEngine();
    return new Runtime(definitions, options);
  }

  /** @internal Open the endpoints and start every worker (see `create`). */
  async launch(): Promise<void> {
    await this.openEndpoints();
    await this.startWorkers();
  }

  private constructor(
    private readonly definitions: readonly Worker[],
    options: RuntimeOptions & { env?: Record<string, string> },
  ) {
    super();
    this.script = options.script ?? '';
    const WorkerClass = definitions[0]?.constructor as typeof Worker | undefined;
    this.stopTimeout = options.stopTimeout ?? (WorkerClass ? workerSeconds(WorkerClass, 'stopTimeout') : 10);
    this.readyTimeout =
      options.readyTimeout ?? (WorkerClass ? workerSeconds(WorkerClass, 'readyTimeout') : 30);
    this.reloadConcurrency =
      options.reloadConcurrency ??
      (WorkerClass ? checkReloadConcurrency(WorkerClass.reloadConcurrency, 'Worker.reloadConcurrency') : 2);
    if (options.logger) this.on('log', options.logger);
    if (definitions.length === 0) {
      throw new RuntimeStartError(
        `${this.script} defines no Worker: create one with new Worker() before Worker.runAll()`,
      );
    }
    try {
      checkKeysConfig(definitions, { ...process.env, ...options.env });
    } catch (err) {
      throw new RuntimeStartError((err as Error).message);
    }
    for (const w of definitions) {
      if (!Number.isInteger(w.count) || w.count < 1) {
        throw new RuntimeStartError(
          `Worker "${String(w.name)}": count must be a whole number >= 1, got ${show(w.count)}`,
        );
      }
      // listen options set after the constructor: checked here too, before any process is forked
      try {
        checkListenOptions(w as never);
      } catch (err) {
        throw new RuntimeStartError((err as Error).message);
      }
    }
    const defs: WorkerDefinition[] = definitions.map((w, index) => ({
      index,
      name: w.name,
      count: w.count,
      reloadable: w.reloadable,
    }));
    const { ChannelRelay, Endpoints, StatusService, Supervisor } = engine();
    this.supervisor = new Supervisor(defs, {
      script: this.script,
      ...(options.env ? { env: options.env } : {}),
      execArgv: options.execArgv ?? process.execArgv,
      maxStartFailures: MAX_START_FAILURES,
      restartDelayMs: 200,
      maxRestartDelayMs: 30_000,
      resetAfterMs: 30_000,
    });
    this.wireEvents(WorkerClass);
    this.channel = new ChannelRelay().attach(this.supervisor);
    liveRuntimes.add(this);
    this.once('stop', () => liveRuntimes.delete(this));
    this.statusService = new StatusService(
      this.supervisor,
      { script: options.module ? resolvePath(options.module) : this.script, startedAt: this.startedAt },
      {
        busyAfterMs: options.busyAfterMs ?? 300,
      },
    );
    this.endpoints = new Endpoints(this.statusService);
    const hangTimeout = options.hangTimeout ?? (WorkerClass ? workerSeconds(WorkerClass, 'hangTimeout') : 0);
    this.hangWatch = new (engine().HangWatch)(this.supervisor, {
      hangTimeoutMs: hangTimeout * 1000,
      log: (message) => this.log(message),
    });
    this.hangWatch.start();
    this.once('stop', () => this.hangWatch.stop());
    this.metricsListen = options.metricsListen ?? WorkerClass?.metricsListen ?? '';
  }

  private async openEndpoints(): Promise<void> {
    try {
      await this.endpoints.open(this.metricsListen);
    } catch (err) {
      throw new RuntimeStartError(`cannot open the status endpoints: ${(err as Error).message}`);
    }
    if (this.endpoints.metricsUrl) this.log(`metrics on ${this.endpoints.metricsUrl}/metrics`);
  }

  /** Every process with CPU, memory and counters: the document `status --json` prints (docs/status.md). */
  status(options: { busyAfterMs?: number } = {}): Promise<StatusReport> {
    return this.statusService.status(options);
  }

  /** @internal The status document from the counters the workers pushed last, without asking them. */
  statusSnapshot(): StatusReport {
    return this.statusService.snapshot();
  }

  /** Every client connection of every worker: the document `connections --json` prints. */
  connections(options: { busyAfterMs?: number } = {}): Promise<ConnectionsReport> {
    return this.statusService.connections(options);
  }

  /** @internal The same in compact form, one worker at a time as each answers: what the control socket streams to the CLI. */
  streamConnections(
    ...args: Parameters<StatusService['streamConnections']>
  ): ReturnType<StatusService['streamConnections']> {
    return this.statusService.streamConnections(...args);
  }

  /** Base URL of the metrics endpoint (e.g. `http://127.0.0.1:9464`), or null when it is off. */
  get metricsUrl(): string | null {
    return this.endpoints.metricsUrl;
  }

  private wireEvents(WorkerClass: typeof Worker | undefined): void {
    const s = this.supervisor;
    s.on('workerStart', (slot, pid) => {
      this.log(`worker ${label(slot)} started, pid ${pid}`);
      this.emit('workerStart', snapshot(slot));
    });
    s.on('workerReady', (slot) => this.emit('workerReady', snapshot(slot)));
    s.on('workerExit', (slot, code, signal, pid) => {
      const expected = s.stopping || slot.state === 'stopping' || slot.process?.process.pid !== pid;
      // Emitted before the supervisor decides: a start failure that is the last allowed one is not replaced.
      const startFailure = slot.readyAt === 0 || code === EXIT_CODES.START_FAILED;
      const givingUp = startFailure && (slot.configError || slot.startFailures + 1 >= MAX_START_FAILURES);
      const outcome = expected ? '' : givingUp ? '' : ', replacing it';
      this.log(`worker ${label(slot)} pid ${pid} exited: ${engine().describeExit(code, signal)}${outcome}`);
      this.emit('workerExit', snapshot(slot), code, signal);
      const definition = this.definitions[slot.definition.index];
      if (definition) void callHook(() => WorkerClass?.onWorkerExit?.(definition, code, signal, pid), this);
    });
    s.on('slotFailed', (slot, reason) => {
      const error = new Error(`worker ${label(slot)} ${reason}; not restarting it`);
      this.log(error.message);
      if (this.listenerCount('error') > 0) this.emit('error', error);
    });
    s.on('message', (_slot, message) => {
      if (message.wm === 'stopAll') void this.stop();
    });
  }

  private log(message: string): void {
    this.emit('log', message);
  }

  private startWorkers(): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = this.supervisor;
      const timer = setTimeout(
        () => fail(new RuntimeStartError(`workers not ready after ${this.readyTimeout} s`)),
        this.readyTimeout * 1000,
      );
      const check = () => {
        if (this.stopping) fail(new RuntimeStartError('stopped while starting', null, true));
        else if (s.slots.every((slot) => slot.state === 'ready')) finish();
      };
      const onFailed = (slot: Slot, reason: string) =>
        fail(new RuntimeStartError(`worker ${label(slot)} ${reason}`, label(slot)));
      const onStop = () => fail(new RuntimeStartError('stopped while starting', null, true));
      const finish = () => {
        clearTimeout(timer);
        s.off('workerReady', check);
        s.off('slotFailed', onFailed);
        this.off('stop', onStop);
        resolve();
      };
      const fail = (error: Error) => {
        // Our own stop after a failed start is not a stop someone asked for (see stopRequested).
        if (!this.stopping) this.stoppedAfterFailedStart = true;
        clearTimeout(timer);
        s.off('workerReady', check);
        s.off('slotFailed', onFailed);
        this.off('stop', onStop);
        void this.stop().finally(() => reject(error));
      };
      s.on('workerReady', check);
      s.on('slotFailed', onFailed);
      this.once('stop', onStop);
      s.startAll();
    });
  }

  /** Slot table snapshot. */
  get workers(): SlotSnapshot[] {
    return this.supervisor.slots.map(snapshot);
  }

  /**
   * Publish `data` on a Channel topic from the host: every worker process subscribed to `topic` receives it
   * (`from` is `{ name: 'master', id: -1, pid }`). Returns how many processes it was handed to.
   */
  publish(topic: string, data: unknown): number {
    return this.channel.publish(topic, data, { name: 'master', id: -1, pid: process.pid });
  }

  /** Counters of the Channel relay: messages published, copies delivered, copies dropped. */
  get channelStats(): ChannelRelayStats {
    return this.channel.stats();
  }

  /** Pids of every live worker process. */
  get pids(): number[] {
    return this.supervisor.liveProcesses().map((w) => w.process.pid ?? 0);
  }

  /**
   * True once stop() was called (by the host, a signal, or Worker.stopAll() in a worker); not for the stop
   * the runtime makes itself when its start failed (the CLI must then exit 1 with the reason, not 0).
   */
  get stopRequested(): boolean {
    return this.stopping !== null && !this.stoppedAfterFailedStart;
  }

  /** True while a rolling reload runs (a new reload() then waits for it). */
  get reloadInProgress(): boolean {
    return this.reloading !== null;
  }

  /** Roll through the workers (make-before-break). A reload asked for during a reload waits for it, then runs. */
  async reload(options: { graceful?: boolean; concurrency?: number } = {}): Promise<ReloadResult> {
    if (this.stopping) throw new Error('cannot reload: the runtime is stopping');
    if (options.concurrency !== undefined) checkReloadConcurrency(options.concurrency, 'reload: concurrency');
    const previous = this.reloading;
    const run = async () => {
      if (previous) await previous.catch(() => undefined);
      const WorkerClass = this.definitions[0]?.constructor as typeof Worker | undefined;
      await callHook(() => WorkerClass?.onMasterReload?.(), this);
      this.log('reloading workers');
      const result = await engine().rollingReload(this.supervisor, {
        graceful: options.graceful ?? false,
        readyTimeout: this.readyTimeout,
        stopTimeout: this.stopTimeout,
        concurrency: options.concurrency ?? this.reloadConcurrency,
      });
      if (this.stopping && result.halted) {
        const message = `reload interrupted: the runtime began stopping; replaced before that: ${result.replaced.join(', ') || 'none'}`;
        this.log(message);
        throw new Error(message);
      }
      this.log(
        result.halted
          ? `reload halted at ${result.halted.slot}: ${result.halted.reason}`
          : `reload done: ${result.replaced.length} replaced, ${result.notified.length} notified`,
      );
      this.emit('reload', result);
      return result;
    };
    const current = run();
    this.reloading = current;
    try {
      return await current;
    } finally {
      if (this.reloading === current) this.reloading = null;
    }
  }

  /** Stop every worker (the ladder in stop.ts); resolves when all have exited. Calling it again returns the same promise. */
  stop(options: { graceful?: boolean; timeout?: number } = {}): Promise<void> {
    if (this.stopping) return this.stopping;
    const { timeout } = options;
    if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
      return Promise.reject(
        new TypeError(`Runtime#stop: timeout must be a number of seconds >= 0, got ${show(timeout)}`),
      );
    }
    this.log(options.graceful ? 'stopping gracefully' : 'stopping');
    this.emit('stopping');
    this.stopping = (async () => {
      await engine().stopWorkers(this.supervisor, {
        graceful: options.graceful ?? false,
        timeout: options.timeout ?? this.stopTimeout,
      });
      const WorkerClass = this.definitions[0]?.constructor as typeof Worker | undefined;
      await callHook(() => WorkerClass?.onMasterStop?.(), this);
      await this.endpoints.close();
      this.log('stopped');
      this.emit('stop');
    })();
    return this.stopping;
  }

  /** Escalate a stop in progress: SIGKILL every worker now. */
  kill(): void {
    engine().killAll(this.supervisor);
  }
}

function label(slot: Slot): string {
  return `${slot.definition.name}#${slot.id}`;
}

function snapshot(slot: Slot): SlotSnapshot {
  return {
    name: slot.definition.name,
    id: slot.id,
    pid: slot.process?.process.pid ?? null,
    state: slot.state,
    restarts: slot.restarts,
    startedAt: slot.startedAt || null,
    lastError: slot.lastError,
  };
}

/** Run a user hook; an exception is reported as an `error` event (or logged), never thrown into the master. */
async function callHook(fn: () => unknown, runtime: Runtime): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    runtime.emit('log', `master hook failed: ${redact(error.stack ?? error.message)}`);
  }
}

function zeroOk(key: string): boolean {
  return key === 'stopTimeout' || key === 'hangTimeout';
}

/** Bad option types fail at once with a TypeError that names the option (not later as a timeout). */
function checkOptions(options: RuntimeOptions): void {
  for (const key of ['script', 'module', 'export', 'metricsListen'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'string') {
      throw new TypeError(`Runtime.start: ${key} must be a string, got ${typeof value}`);
    }
  }
  const numbers = {
    stopTimeout: 'seconds',
    readyTimeout: 'seconds',
    busyAfterMs: 'milliseconds',
    hangTimeout: 'seconds',
  } as const;
  for (const [key, unit] of Object.entries(numbers) as [keyof typeof numbers, string][]) {
    const value = options[key];
    if (value === undefined) continue;
    const ok = typeof value === 'number' && Number.isFinite(value) && (zeroOk(key) ? value >= 0 : value > 0);
    if (!ok) {
      throw new TypeError(
        `Runtime.start: ${key} must be a number of ${unit} ${zeroOk(key) ? '>= 0' : '> 0'}, got ${show(value)}`,
      );
    }
  }
  if (options.reloadConcurrency !== undefined)
    checkReloadConcurrency(options.reloadConcurrency, 'Runtime.start: reloadConcurrency');
}
