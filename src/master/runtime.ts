// Runtime: the master as a library object. Start, reload, stop and inspect the workers of a start script
// from code, with promises and events. The CLI is a thin layer on top; nothing here calls process.exit.
// This file is the public object; what it runs on lives next to it: the options and script loading
// (runtime-launch.ts), the definition checks (runtime-definitions.ts), the parts and their wiring
// (runtime-parts.ts), one reload (runtime-reload.ts), and the engine they come from (engine.ts).
import { EventEmitter } from 'node:events';
import { resolve as resolvePath } from 'node:path';
import {
  checkReloadConcurrency,
  checkStopTimeout,
  runtimeSettings,
  type RuntimeSettings,
} from '../shared/config.js';
import type { Worker } from '../worker/Worker.js';
import { RuntimeStartError } from './errors.js';
import { callHook } from './hooks.js';
import { liveRuntimes } from './live-runtimes.js';
import type { ReloadResult } from './reload.js';
import { snapshot, type SlotSnapshot } from './slot-snapshot.js';
import type { SpareSnapshot } from './spares.js';
import type { StatusService, ConnectionsReport, StatusReport } from './status/index.js';
import type { ChannelRelayStats } from './channel-relay.js';

import { engine, loadEngine } from './engine-loader.js';
import { masterDefinitions } from './runtime-definitions.js';
import { loadLaunch, type LaunchOptions } from './runtime-launch.js';
import { makeParts, type RuntimeParts } from './runtime-parts.js';
import { reloadOnce } from './runtime-reload.js';
import type { RuntimeEvents, RuntimeOptions } from './runtime-types.js';

export type { SlotSnapshot } from './slot-snapshot.js';
export type { RuntimeEvents, RuntimeOptions } from './runtime-types.js';
export type { SpareSnapshot } from './spares.js';

export class Runtime extends EventEmitter<RuntimeEvents> {
  readonly script: string;
  readonly startedAt = Date.now();
  private readonly settings: RuntimeSettings;
  /** The supervisor, status service, endpoints, Channel relay and hang watch (runtime-parts.ts). */
  private readonly parts: RuntimeParts;
  private stopping: Promise<void> | null = null;
  private stoppedAfterFailedStart = false;
  private reloading: Promise<ReloadResult> | null = null;

  /**
   * Load `options.script` (its `Worker.runAll()` only hands over its Worker definitions here), fork every
   * worker, and resolve once all are ready. Rejects with RuntimeStartError if they are not.
   */
  static async start(options: RuntimeOptions): Promise<Runtime> {
    // The engine is imported while the script loads (a failed script load leaves it unobserved).
    const engineLoaded = loadEngine();
    engineLoaded.catch(() => undefined);
    const { definitions, launch } = await loadLaunch(options);
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
    options: LaunchOptions,
  ) {
    super();
    this.script = options.script ?? '';
    this.settings = runtimeSettings(options, this.WorkerClass);
    if (options.logger) this.on('log', options.logger);
    this.parts = makeParts({
      events: this,
      definitions,
      masterDefinitions: masterDefinitions(definitions, this.script, { ...process.env, ...options.env }),
      options,
      settings: this.settings,
      startedAt: this.startedAt,
      shownScript: options.module ? resolvePath(options.module) : this.script,
      stop: () => void this.stop(),
      log: (message) => this.log(message),
    });
    liveRuntimes.add(this);
    this.once('stop', () => liveRuntimes.delete(this));
    this.parts.hangWatch.start();
    this.once('stop', () => this.parts.hangWatch.stop());
  }

  /** The script's Worker class (statics and master hooks), from its first definition. */
  private get WorkerClass(): typeof Worker | undefined {
    return this.definitions[0]?.constructor as typeof Worker | undefined;
  }

  private async openEndpoints(): Promise<void> {
    try {
      await this.parts.endpoints.open(this.settings.metricsListen);
    } catch (err) {
      throw new RuntimeStartError(`cannot open the status endpoints: ${(err as Error).message}`);
    }
    if (this.parts.endpoints.metricsUrl) this.log(`metrics on ${this.parts.endpoints.metricsUrl}/metrics`);
  }

  /** Every process with CPU, memory and counters: the document `status --json` prints (docs/status.md). */
  status(options: { busyAfterMs?: number } = {}): Promise<StatusReport> {
    return this.parts.statusService.status(options);
  }

  /** @internal The status document from the counters the workers pushed last, without asking them. */
  statusSnapshot(): StatusReport {
    return this.parts.statusService.snapshot();
  }

  /** Every client connection of every worker: the document `connections --json` prints. */
  connections(options: { busyAfterMs?: number } = {}): Promise<ConnectionsReport> {
    return this.parts.statusService.connections(options);
  }

  /** @internal The same in compact form, one worker at a time as each answers: what the control socket streams to the CLI. */
  streamConnections(
    ...args: Parameters<StatusService['streamConnections']>
  ): ReturnType<StatusService['streamConnections']> {
    return this.parts.statusService.streamConnections(...args);
  }

  /** Base URL of the metrics endpoint (e.g. `http://127.0.0.1:9464`), or null when it is off. */
  get metricsUrl(): string | null {
    return this.parts.endpoints.metricsUrl;
  }

  private log(message: string): void {
    this.emit('log', message);
  }

  /** Start every worker; after a failed start, stop those that did come up before rejecting. */
  private async startWorkers(): Promise<void> {
    try {
      await engine().startWorkers(this.parts.supervisor, {
        readyTimeout: this.settings.readyTimeout,
        stopped: new Promise((resolve) => this.once('stop', resolve)),
        isStopping: () => this.stopping !== null,
      });
      this.parts.supervisor.spares.start(); // spares only once every slot is up: they must not slow the start
    } catch (error) {
      // Our own stop after a failed start is not a stop someone asked for (see stopRequested).
      if (!this.stopping) this.stoppedAfterFailedStart = true;
      await this.stop().catch(() => undefined);
      throw error;
    }
  }

  /** Slot table snapshot. */
  get workers(): SlotSnapshot[] {
    return this.parts.supervisor.slots.map(snapshot);
  }

  /** The warm spares (Workers with a `spare` option): processes waiting to take a slot that dies. */
  get spares(): SpareSnapshot[] {
    return this.parts.supervisor.spares.list();
  }

  /**
   * Publish `data` on a Channel topic from the host: every worker process subscribed to `topic` receives it
   * (`from` is `{ name: 'master', id: -1, pid }`). Returns how many processes it was handed to.
   */
  publish(topic: string, data: unknown): number {
    return this.parts.channel.publish(topic, data, { name: 'master', id: -1, pid: process.pid });
  }

  /** Counters of the Channel relay: messages published, copies delivered, copies dropped. */
  get channelStats(): ChannelRelayStats {
    return this.parts.channel.stats();
  }

  /** Pids of every live worker process, warm spares included. */
  get pids(): number[] {
    return this.parts.supervisor.liveProcesses().map((w) => w.process.pid ?? 0);
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
      const result = await reloadOnce({
        supervisor: this.parts.supervisor,
        WorkerClass: this.WorkerClass,
        graceful: options.graceful ?? false,
        concurrency: options.concurrency ?? this.settings.reloadConcurrency,
        readyTimeout: this.settings.readyTimeout,
        stopTimeout: this.settings.stopTimeout,
        isStopping: () => this.stopping !== null,
        log: (message) => this.log(message),
      });
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
    try {
      if (options.timeout !== undefined) checkStopTimeout(options.timeout, 'Runtime#stop: timeout');
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    this.log(options.graceful ? 'stopping gracefully' : 'stopping');
    this.emit('stopping');
    this.stopping = (async () => {
      await engine().stopWorkers(this.parts.supervisor, {
        graceful: options.graceful ?? false,
        timeout: options.timeout ?? this.settings.stopTimeout,
      });
      await callHook(
        () => this.WorkerClass?.onMasterStop?.(),
        (message) => this.log(message),
      );
      await this.parts.endpoints.close();
      this.log('stopped');
      this.emit('stop');
    })();
    return this.stopping;
  }

  /** Escalate a stop in progress: SIGKILL every worker now. */
  kill(): void {
    engine().killAll(this.parts.supervisor);
  }
}
