// IPC messages between the master and its workers: plain objects with one verb field (`wm`) and our tag
// (`cmd: IPC_TAG`, as Node's cluster tags its own `cmd: 'NODE_CLUSTER'`). A message without the tag is the
// user's own process.send() traffic: we never act on it, and it reaches the user's handlers unchanged.

/** Environment variables the master sets on every forked worker. */
export const ENV_WORKER_INDEX = 'WORKERMAN_TS_WORKER_INDEX';
export const ENV_WORKER_ID = 'WORKERMAN_TS_WORKER_ID';
export const ENV_WORKER_NAME = 'WORKERMAN_TS_WORKER_NAME';
/** Set (`1`) on a warm spare: it loads the script, then waits for `takeSlot` instead of starting. */
export const ENV_WORKER_SPARE = 'WORKERMAN_TS_SPARE';

/** Exit codes a worker uses so the master can tell why it ended. */
export const EXIT_CODES = {
  /** onWorkerStart threw or rejected. */
  START_FAILED: 3,
  /** An exception escaped a user callback (Workerman uses 250 too). */
  UNCAUGHT: 250,
} as const;

/** Master -> worker. */
export type MasterMessage =
  | { wm: 'stop'; graceful: boolean; timeoutMs: number }
  | { wm: 'reload' }
  /** To a warm spare: become slot `id` of your Worker now (run onWorkerStart, listen, say ready). */
  | { wm: 'takeSlot'; id: number }
  | { wm: 'stats'; requestId: number; connections: boolean }
  /** The answer to a worker's `sync`: everything the worker sent before it has been processed. */
  | { wm: 'sync'; seq: number }
  | ChannelDelivery;

/** A Channel message relayed by the master to a subscribed worker (src/worker/Channel.ts). */
export interface ChannelDelivery {
  wm: 'channel';
  topic: string;
  data: unknown;
  from: ChannelSender;
}

/** Who published a Channel message: the worker process (or `master` with id -1 for Runtime#publish). */
export interface ChannelSender {
  name: string;
  id: number;
  pid: number;
}

/** Worker -> master. */
export type WorkerMessage =
  | { wm: 'ready' }
  /** A warm spare has imported the script and waits for `takeSlot`. */
  | { wm: 'spareReady' }
  /** `config`: a ConfigError (no retry can fix it): the master fails the slot at once. */
  | { wm: 'startFailed'; error: string; config?: boolean }
  /** A barrier: the master answers with the same `seq` (a listening worker stopping uses it). */
  | { wm: 'sync'; seq: number }
  | { wm: 'stopAll' }
  | { wm: 'subscribe'; topic: string }
  | { wm: 'unsubscribe'; topic: string }
  | { wm: 'publish'; topic: string; data: unknown }
  | {
      wm: 'stats';
      requestId: number;
      stats: WorkerStats;
      /**
       * The connections, as the JSON text of an array of rows (one array of values per connection, in
       * CONNECTION_COLUMNS order). Text, so the master splices it into its reply without parsing it.
       */
      connectionRows?: string;
    };

/** How often every worker pushes its counters to the master unasked (a `stats` message with requestId 0). */
export const STATS_PUSH_INTERVAL_MS = 1000;

/** Counters a worker reports about itself (pushed every STATS_PUSH_INTERVAL_MS and sent on request). */
export interface WorkerStats extends ConnectionTotals {
  /** Connections in the registry (any state), and those of them that are open. */
  connections: number;
  connectionsOpen: number;
  /** Active Timer.add timers. */
  timers: number;
  /** Epoch ms when messagesIn last grew (seen at the worker's 1 s sampling), or null if never. */
  lastMessageAt: number | null;
  /** Event-loop delay beyond the sampling resolution over the last push period, in ms: p99 and max. */
  eventLoopLag: number;
  eventLoopLagMax: number;
  heapUsed: number;
  heapTotal: number;
  /** Epoch ms when the worker process started (process.uptime based). */
  startedAt: number;
  /** Accepted connections of a listening Worker; null in a worker that does not listen. */
  server: ServerStats | null;
  /** The work keys it owns (static shards or the Redis coordinator); absent if its Worker has none. */
  keys?: KeysStatus;
}

/** Counters of a listening worker's accepted connections (since the process started, except `connections`). */
export interface ServerStats {
  /** Accepted connections not closed yet. */
  connections: number;
  /** Connections accepted. */
  accepted: number;
  /** Connections refused at `maxConnections`. */
  refused: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** `send()` calls on accepted connections that returned false. */
  sendFailures: number;
}

/**
 * One connection as `connections` shows it, client (`AsyncTcpConnection`) and accepted (a listening
 * Worker's) in one shape: `conn.info()` plus `kind` and `protocol`; fields one kind does not have are null.
 * Never header values or credentials.
 */
export interface ConnectionEntry {
  id: number;
  /** `client`: an AsyncTcpConnection this worker opened; `accepted`: a connection its server accepted. */
  kind: 'client' | 'accepted';
  /** Client: the URL's scheme (`ws`, `wss`, `tcp`, ...); accepted: the listen scheme (`websocket`, `http`, ...). */
  protocol: string;
  /** Client: the URL, masked. Accepted: null. */
  url: string | null;
  /** Accepted: the listen address (`websocket://0.0.0.0:2346`). Client: null. */
  listen: string | null;
  state: string;
  localAddress: string | null;
  remoteAddress: string | null;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  queuedBytes: number;
  /** Client only (accepted: null). */
  reconnectAttempts: number | null;
  nextRetryAt: number | null;
  /** Epoch ms when the connection opened (accepted: when it was accepted), or null. */
  openedAt: number | null;
  lastMessageAt: number | null;
  /** Client only (accepted: null). */
  closeCode: number | null;
  closeReason: string | null;
  lastError: { code: number; message: string } | null;
}

/** The fields of ConnectionEntry in the order of a connection row (`connectionRows`). */
export const CONNECTION_COLUMNS = [
  'id',
  'kind',
  'protocol',
  'url',
  'listen',
  'state',
  'localAddress',
  'remoteAddress',
  'bytesIn',
  'bytesOut',
  'messagesIn',
  'messagesOut',
  'queuedBytes',
  'reconnectAttempts',
  'nextRetryAt',
  'openedAt',
  'lastMessageAt',
  'closeCode',
  'closeReason',
  'lastError',
] as const satisfies readonly (keyof ConnectionEntry)[];

/** One client connection as `connections` shows it: `conn.info()` (never header values or credentials). */
export type { ConnectionInfo } from '../connection/types.js';
import type { ConnectionTotals } from '../connection/types.js';
import type { KeysStatus } from './keys-status.js';

/** The value of `cmd` on every IPC message of ours (docs/design.md, "IPC"). */
export const IPC_TAG = 'WORKERMAN_TS';

/** A message as it crosses the channel: the verb and its fields, plus our tag. */
export type Tagged<M> = M & { cmd: typeof IPC_TAG };

/** The message with our tag, ready for `process.send()` / `worker.send()`. */
export function tagged<M extends MasterMessage | WorkerMessage>(message: M): Tagged<M> {
  return { cmd: IPC_TAG, ...message };
}

/** Ours, not the user's own IPC traffic: an object with our tag and a verb. */
function hasVerb(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { cmd?: unknown }).cmd === IPC_TAG &&
    typeof (value as { wm?: unknown }).wm === 'string'
  );
}

/** In the master: is this message from a worker ours? */
export function isWorkerMessage(value: unknown): value is WorkerMessage {
  return hasVerb(value);
}

/** In a worker: is this message from the master ours? */
export function isMasterMessage(value: unknown): value is MasterMessage {
  return hasVerb(value);
}
