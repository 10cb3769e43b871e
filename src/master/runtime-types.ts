// The public types of Runtime (re-exported by runtime.ts and the package entry): its options, with their
// defaults (shared/config.ts holds the values and the checks), and its events.
import type { ReloadResult } from './reload.js';
import type { SlotSnapshot } from './slot-snapshot.js';

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
