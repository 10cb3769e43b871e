// The master's configuration in one place: every setting, its default, its check and the message a person
// reads when it is wrong. Read by Worker's statics (their initial values), the CLI (masterConfig), the
// control commands and Runtime.start / reload / stop (runtimeSettings and the checks). In src/shared/
// because the worker side needs the defaults too (Worker.stopTimeout = 10) and must not import the master.
//
// A new master setting: a line in MASTER_SETTINGS (default and check), a static on Worker that starts at
// MASTER_SETTINGS.<name>.default, a field in MasterConfig and, if a host can set it, in RuntimeOptions
// (runtime.ts) and RUNTIME_SETTINGS below; document it in docs/worker.md (and docs/embedding.md).
import { basename, dirname, join } from 'node:path';
import { resolveLogFormat, type LogFormat } from './log-format.js';

import { show } from './show.js';

export { show } from './show.js';

type Check<T> = (value: unknown, what: string) => T;

const seconds =
  (bound: '>= 0' | '> 0'): Check<number> =>
  (value, what) => {
    const ok =
      typeof value === 'number' && Number.isFinite(value) && (bound === '>= 0' ? value >= 0 : value > 0);
    if (!ok) throw new TypeError(`${what} must be a number of seconds ${bound}, got ${show(value)}`);
    return value;
  };

const milliseconds: Check<number> = (value, what) => {
  if (!(typeof value === 'number' && Number.isFinite(value) && value > 0))
    throw new TypeError(`${what} must be a number of milliseconds > 0, got ${show(value)}`);
  return value;
};

/** A reload concurrency (`Worker.reloadConcurrency` and its per-runtime, per-reload forms): a whole number >= 1. */
export function isReloadConcurrency(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1;
}

/** `value` if it is a reload concurrency, else a TypeError naming the setting (`what`). */
export const checkReloadConcurrency: Check<number> = (value, what) => {
  if (!isReloadConcurrency(value))
    throw new TypeError(`${what} must be a whole number >= 1, got ${show(value)}`);
  return value;
};

const wholeAtLeast0 =
  (expected: string): Check<number> =>
  (value, what) => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    throw new TypeError(`${what} must be ${expected}, got ${show(value)}`);
  };

/** A path or '' (the default next to the start script). */
const path: Check<string> = (value, what) => {
  if (typeof value !== 'string')
    throw new TypeError(`${what} must be a file path (a string), got ${show(value)}`);
  return value;
};

/** `host:port`, or '' for off. */
const address: Check<string> = (value, what) => {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, got ${typeof value}`);
  return value;
};

/** Every setting of the master that the start script sets on `Worker` (docs/worker.md, "Static settings"). */
export const MASTER_SETTINGS = {
  /** '' = `<start script dir>/workerman.<script name>.pid` */
  pidFile: { default: '', check: path },
  /** '' = `<start script dir>/workerman.log` */
  logFile: { default: '', check: path },
  /** '' = `/dev/null`: where a daemon's stdout and stderr go */
  stdoutFile: { default: '', check: path },
  stopTimeout: { default: 10, check: seconds('>= 0') },
  readyTimeout: { default: 30, check: seconds('> 0') },
  /** 2 is PM2's default; 1 rolls one slot after the other, as Workerman does. */
  reloadConcurrency: { default: 2, check: checkReloadConcurrency },
  /** '' = off */
  metricsListen: { default: '', check: address },
  /** 0 = never kill a silent worker (status still shows it unresponsive after 3 s); hang-watch.ts */
  hangTimeout: { default: 0, check: seconds('>= 0') },
  /** Bytes after which the log file (and a daemon's stdout file) rotates; 0 = never. 10 MiB. */
  logMaxSize: {
    default: 10 * 1024 * 1024,
    check: wholeAtLeast0('a number of bytes >= 0 (0 = never rotate)'),
  },
  /** Rotated files kept. */
  logKeep: { default: 5, check: wholeAtLeast0('a whole number >= 0') },
  /** 'text' or 'json'; checked, with the WORKERMAN_LOG_FORMAT override, by resolveLogFormat (log-format.ts) */
  logFormat: { default: 'text' as 'text' | 'json', check: (value: unknown) => value as 'text' | 'json' },
  /** Redis URL of the sharding coordinator; '' = static shards. Checked by worker/keys-config.ts */
  coordinator: { default: '', check: (value: unknown) => value as string },
} as const;

/** Not settable: how the supervisor replaces crashed workers (docs/worker.md, "Crashes"). */
export const RESTART_POLICY = {
  /** Consecutive failures in onWorkerStart after which a slot is marked failed instead of restarted. */
  maxStartFailures: 5,
  restartDelayMs: 200,
  maxRestartDelayMs: 30_000,
  resetAfterMs: 30_000,
} as const;

/** A worker that does not answer a status request within this many ms shows as `busy`. */
export const DEFAULT_BUSY_AFTER_MS = 300;

type MasterSettingName = keyof typeof MASTER_SETTINGS;
/** What the master reads of `Worker` (the class, or a subclass the start script uses). */
export type MasterStatics = { [K in MasterSettingName]: unknown };

/** One static of `Worker`, checked, with the message naming `Worker.<name>`. */
export function workerSetting<K extends MasterSettingName>(
  W: MasterStatics,
  name: K,
): ReturnType<(typeof MASTER_SETTINGS)[K]['check']> {
  return MASTER_SETTINGS[name].check(W[name], `Worker.${name}`) as ReturnType<
    (typeof MASTER_SETTINGS)[K]['check']
  >;
}

/** The CLI master's configuration: `Worker`'s statics, checked, with the defaults filled in. */
export interface MasterConfig {
  pidFile: string;
  logFile: string;
  stdoutFile: string;
  /** Seconds. */
  stopTimeout: number;
  /** Seconds a starting worker gets to become ready. */
  readyTimeout: number;
  /** Slots a reload replaces at the same time. */
  reloadConcurrency: number;
  /** 'text' or 'json' (WORKERMAN_LOG_FORMAT overrides Worker.logFormat). */
  logFormat: LogFormat;
  /** Bytes; 0 = never rotate. */
  logMaxSize: number;
  logKeep: number;
}

/**
 * Read `Worker.pidFile` & co. (set by the start script before runAll) and fill in the defaults.
 * @throws TypeError naming the setting and its bad value.
 */
export function masterConfig(script: string, W: MasterStatics): MasterConfig {
  return {
    pidFile: workerSetting(W, 'pidFile') || defaultPidFile(script),
    logFile: workerSetting(W, 'logFile') || defaultLogFile(script),
    stdoutFile: workerSetting(W, 'stdoutFile') || '/dev/null',
    stopTimeout: workerSetting(W, 'stopTimeout'),
    readyTimeout: workerSetting(W, 'readyTimeout'),
    reloadConcurrency: workerSetting(W, 'reloadConcurrency'),
    logFormat: resolveLogFormat(W.logFormat),
    logMaxSize: workerSetting(W, 'logMaxSize'),
    logKeep: workerSetting(W, 'logKeep'),
  };
}

/** The default paths next to the start script, as in Workerman. */
export function defaultPidFile(script: string): string {
  return join(dirname(script), `workerman.${basename(script)}.pid`);
}
export function defaultLogFile(script: string): string {
  return join(dirname(script), 'workerman.log');
}

/** What a Runtime runs with: its option if given (checked by checkRuntimeOptions), else Worker's static. */
export interface RuntimeSettings {
  hangTimeout: number;
  stopTimeout: number;
  readyTimeout: number;
  reloadConcurrency: number;
  metricsListen: string;
  busyAfterMs: number;
}

type RuntimeSettingOptions = Partial<RuntimeSettings>;

export function runtimeSettings(
  options: RuntimeSettingOptions,
  W: MasterStatics | undefined,
): RuntimeSettings {
  return {
    hangTimeout:
      options.hangTimeout ?? (W ? workerSetting(W, 'hangTimeout') : MASTER_SETTINGS.hangTimeout.default),
    stopTimeout:
      options.stopTimeout ?? (W ? workerSetting(W, 'stopTimeout') : MASTER_SETTINGS.stopTimeout.default),
    readyTimeout:
      options.readyTimeout ?? (W ? workerSetting(W, 'readyTimeout') : MASTER_SETTINGS.readyTimeout.default),
    reloadConcurrency:
      options.reloadConcurrency ??
      (W ? workerSetting(W, 'reloadConcurrency') : MASTER_SETTINGS.reloadConcurrency.default),
    metricsListen:
      options.metricsListen ??
      (W ? workerSetting(W, 'metricsListen') : MASTER_SETTINGS.metricsListen.default),
    busyAfterMs: options.busyAfterMs ?? DEFAULT_BUSY_AFTER_MS,
  };
}

/** The options of Runtime.start that are master settings, each with its check. */
const RUNTIME_SETTINGS: { [K in keyof RuntimeSettings]: Check<RuntimeSettings[K]> } = {
  hangTimeout: MASTER_SETTINGS.hangTimeout.check,
  stopTimeout: MASTER_SETTINGS.stopTimeout.check,
  readyTimeout: MASTER_SETTINGS.readyTimeout.check,
  reloadConcurrency: MASTER_SETTINGS.reloadConcurrency.check,
  metricsListen: address,
  busyAfterMs: milliseconds,
};

/** Bad option types fail at once with a TypeError that names the option (not later as a timeout). */
export function checkRuntimeOptions(options: RuntimeSettingOptions & Record<string, unknown>): void {
  for (const key of ['script', 'module', 'export'] as const) {
    const value = options[key];
    if (value !== undefined && typeof value !== 'string') {
      throw new TypeError(`Runtime.start: ${key} must be a string, got ${typeof value}`);
    }
  }
  for (const [key, check] of Object.entries(RUNTIME_SETTINGS)) {
    const value = options[key];
    if (value !== undefined) check(value, `Runtime.start: ${key}`);
  }
}

/** `Runtime#stop({ timeout })` and the like: seconds >= 0. */
export const checkStopTimeout: Check<number> = MASTER_SETTINGS.stopTimeout.check;
