// Inside a cluster worker: run one Worker definition, answer the master, stop cleanly.
// Mirrors Node's lib/internal/cluster/child.js: one message handler, one small function per verb.
import { surviveBrokenPipes } from '../broken-pipe.js';
import { AsyncTcpConnection } from '../connection/index.js';
import {
  ENV_WORKER_ID,
  ENV_WORKER_NAME,
  ENV_WORKER_SPARE,
  EXIT_CODES,
  isMasterMessage,
  tagged,
  type WorkerMessage,
} from '../shared/messages.js';
import { isConfigError } from '../shared/config-error.js';
import { redact } from '../connection/secrets.js';
import {
  ENV_LOG_FORMAT,
  formatLogLine,
  isLogFormat,
  type LogFormat,
  type LogSource,
} from '../shared/log-format.js';
import { ENV_STDOUT_FILE, redirectStdio, type StdioFile } from '../shared/stdio-file.js';
import { installJsonConsole } from './console.js';
import { deliverChannelMessage } from './Channel.js';

import { KeyAssignment, startAssignment } from './keys.js';
import { Timer } from './Timer.js';
import { startStatsReporting, statsReply } from './stats.js';
import type { Worker } from './Worker.js';
import { closeAccepted, startListening, stopAccepting } from './listening.js';

/** `WORKERMAN_TS_STACK=1`: print the stack of a ConfigError from onWorkerStart too. */
const ENV_STACK = 'WORKERMAN_TS_STACK';

let current: Worker | null = null;
/** A warm spare's Worker while it waits for a slot (`takeSlot`); null in a slot's process. */
let spareOf: Worker | null = null;
let stopping = false;
/** The master checked $WORKERMAN_LOG_FORMAT before forking us; the script's Worker.logFormat otherwise. */
let logFormat: LogFormat = isLogFormat(process.env[ENV_LOG_FORMAT]) ? process.env[ENV_LOG_FORMAT] : 'text';
let stdio: StdioFile | null = null;
/** The work keys of this process (docs/sharding.md), if its Worker has any. */
let assignment: KeyAssignment | null = null;

function source(): LogSource {
  return {
    kind: 'worker',
    name: current?.name ?? process.env[ENV_WORKER_NAME] ?? '?',
    id: current?.id ?? Number(process.env[ENV_WORKER_ID] ?? -1),
    pid: process.pid,
  };
}

function send(message: WorkerMessage): void {
  if (process.connected) process.send?.(tagged(message));
}

/** Send, then exit once the message is handed to the channel (a bare exit could drop it). */
function sendAndExit(message: WorkerMessage, code: number): void {
  if (!process.connected || !process.send) process.exit(code);
  process.send(tagged(message), () => process.exit(code));
  setTimeout(() => process.exit(code), 1000).unref();
}

function logError(what: string, err: unknown): void {
  // Crash output names no secret: URL credentials, query values, secret header values (connection/secrets.ts).
  const detail = redact(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.stderr.write(`${formatLogLine(logFormat, source(), `${what}: ${detail}`, 'error')}\n`);
}

/**
 * Called as soon as the package loads in a worker process, before its definition runs, so that
 * a Ctrl-C or a stop message while the script still loads is not lost:
 * - Ctrl-C, Ctrl-\ and a terminal hangup reach the whole process group; the master orchestrates the
 *   stop (docs/signals.md), so workers ignore SIGINT, SIGQUIT and SIGHUP;
 * - the master's messages are heard from now on (a stop before onWorkerStart just exits).
 */
export function attachToMaster(): void {
  surviveBrokenPipes();
  // Daemon mode: our output goes to the stdout file through an fd that SIGHUP (from the master) reopens.
  const stdoutFile = process.env[ENV_STDOUT_FILE];
  if (stdoutFile) stdio = redirectStdio(stdoutFile);
  for (const signal of ['SIGINT', 'SIGQUIT'] as const) process.on(signal, () => {});
  process.on('SIGHUP', () => stdio?.reopen());
  process.on('message', onMessage);
}

/**
 * A warm spare (`spare` option): the script is imported, so its module-level code ran, but onWorkerStart
 * has not; it holds no connections and does not listen. It waits for the master to hand it a slot.
 */
export function waitAsSpare(definition: Worker): void {
  spareOf = definition;
  process.title = `workerman-ts: spare ${definition.name}`;
  // One round trip first: the first message either way runs cold code (the master's serializer, our
  // handler here), ~2.5 ms that would otherwise be paid by the takeover itself.
  void masterBarrier().then(() => send({ wm: 'spareReady' }));
}

/** The master gives this spare slot `id`: from now on it is that slot's process, as if forked for it. */
function takeSlot(id: number): void {
  const definition = spareOf;
  if (!definition || stopping) return;
  spareOf = null;
  process.env[ENV_WORKER_ID] = String(id);
  delete process.env[ENV_WORKER_SPARE];
  runWorkerProcess(definition, id);
}

/** Start `definition` as this process's worker with the stable slot `id`. */
export function runWorkerProcess(definition: Worker, id: number): void {
  current = definition;
  definition.id = id;
  process.title = `workerman-ts: worker ${definition.name}#${id}`;
  if (!isLogFormat(process.env[ENV_LOG_FORMAT])) {
    const configured = (definition.constructor as typeof Worker).logFormat;
    if (isLogFormat(configured)) logFormat = configured;
  }
  if (logFormat === 'json') installJsonConsole(source());

  // An exception from user code is not swallowed: log it with our name, exit, and the master replaces us.
  process.on('uncaughtException', (err) => {
    logError('uncaught exception', err);
    process.exit(EXIT_CODES.UNCAUGHT);
  });
  process.on('unhandledRejection', (reason) => {
    logError('unhandled promise rejection', reason);
    process.exit(EXIT_CODES.UNCAUGHT);
  });
  // SIGTERM from the master's stop ladder (or an outside `kill`) means: stop now, quickly. During a stop
  // (onWorkerStop still running) it cuts the wait short: close the connections and exit.
  process.on('SIGTERM', () => void (stopping ? closeAndExit(500) : stop(false, 1000)));
  startStatsReporting(send);

  void start(definition);
}

async function start(definition: Worker): Promise<void> {
  if (stopping) return; // the master asked us to stop while the script was still loading
  try {
    await definition.onWorkerStart?.(definition);
    if (definition.keys.length > 0 || definition.onKeysAssigned) {
      assignment = new KeyAssignment(definition, (line, level) =>
        process.stderr.write(`${formatLogLine(logFormat, source(), redact(line), level)}\n`),
      );
      await startAssignment(assignment); // the keys this process owns are subscribed before it counts as ready
    }
  } catch (err) {
    const config = isConfigError(err);
    // A configuration error is reported once, by the master, without a stack (unless asked for):
    // the same trace five times over told nobody anything.
    if (!config || process.env[ENV_STACK] === '1') logError('onWorkerStart failed', err);
    sendAndExit(
      { wm: 'startFailed', error: redact(err instanceof Error ? err.message : String(err)), config },
      EXIT_CODES.START_FAILED,
    );
    return;
  }
  // Accepting starts once onWorkerStart is done (as in Workerman); ready = started and listening.
  try {
    if (!stopping) await startListening(definition);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${formatLogLine(logFormat, source(), error, 'error')}\n`);
    // the port is taken, no permission, a bad listen option: no retry can fix it, so the slot fails at once
    const config = (err as { permanent?: boolean }).permanent === true || isConfigError(err);
    sendAndExit({ wm: 'startFailed', error, config }, EXIT_CODES.START_FAILED);
    return;
  }
  stdio?.reopen(); // a rotation while we started signalled only the ready workers
  send({ wm: 'ready' });
}

function onMessage(message: unknown): void {
  if (!isMasterMessage(message)) return;
  const msg = message;
  switch (msg.wm) {
    case 'stop':
      void stop(msg.graceful, msg.timeoutMs);
      break;
    case 'reload':
      void reloadInPlace();
      break;
    case 'takeSlot':
      takeSlot(msg.id);
      break;
    case 'stats':
      send(statsReply(msg));
      break;
    case 'channel':
      deliverChannelMessage(msg);
      break;
    case 'sync':
      syncWaiters.get(msg.seq)?.();
      break;
  }
}

const syncWaiters = new Map<number, () => void>();
let syncSeq = 0;

/** Resolves once the master answered a `sync` (it has processed everything sent before); at most 1 s. */
function masterBarrier(): Promise<void> {
  if (!process.connected) return Promise.resolve();
  const seq = ++syncSeq;
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      syncWaiters.delete(seq);
      resolve();
    };
    const timer = setTimeout(done, 1000);
    syncWaiters.set(seq, done);
    send({ wm: 'sync', seq });
  });
}

/** `reloadable = false` workers: run onWorkerReload and keep running. */
async function reloadInPlace(): Promise<void> {
  if (!current) return;
  try {
    await current.onWorkerReload?.(current);
  } catch (err) {
    logError('onWorkerReload failed', err);
  }
}

/** Stop sequence: onWorkerStop (bounded) -> close connections with 1001 -> timers -> exit 0. */
async function stop(graceful: boolean, timeoutMs: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const deadline = Date.now() + timeoutMs;
  const worker = current;
  // A listening worker stops accepting first: during a reload its replacement is already accepting.
  await stopAccepting(masterBarrier);
  // Leave the coordinator's group first, so the others take over the keys while we wind down.
  if (assignment)
    await withDeadline(assignment.stop(), 2000).catch((err) => logError('leaving the key group failed', err));
  if (worker?.onWorkerStop) {
    try {
      await withDeadline(
        Promise.resolve(worker.onWorkerStop(worker)),
        graceful ? timeoutMs : Math.min(timeoutMs, 2000),
      );
    } catch (err) {
      logError('onWorkerStop failed', err);
    }
  }
  await closeAndExit(2000, Math.max(deadline, Date.now() + 500));
}

/**
 * Close every connection with 1001 (bounded): accepted ones until `acceptedDeadline` (epoch ms; they may
 * have answers to finish), client ones within `timeoutMs`; clear the timers, exit 0.
 */
async function closeAndExit(timeoutMs: number, acceptedDeadline = Date.now() + timeoutMs): Promise<void> {
  try {
    await Promise.all([
      closeAccepted(current, acceptedDeadline),
      withDeadline(AsyncTcpConnection.closeAll(1001, 'worker stopping'), timeoutMs),
    ]);
  } catch (err) {
    logError('closing connections failed', err);
  }
  Timer.delAll();
  process.exit(0);
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Worker.stopAll() inside a worker: ask the master to stop everything. */
export function requestStopAll(): void {
  send({ wm: 'stopAll' });
}
