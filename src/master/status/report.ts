// The documents `status --json`, `connections --json`, Runtime#status() and Runtime#connections() return
// (field by field in docs/status.md), and how one row is made from what the master knows.
import {
  CONNECTION_COLUMNS,
  type ConnectionEntry,
  type ConnectionInfo,
  type ServerStats,
  type WorkerStats,
} from '../../shared/messages.js';
import type { LogFileHealth } from '../log-health.js';
import type { KeysStatus } from '../../shared/keys-status.js';
import type { SlotState } from '../supervisor.js';
import type { Usage } from './usage.js';

/**
 * A slot's state, or `busy` (alive, did not answer in time), `unresponsive` (ready, but nothing heard from it
 * for 3 s: a blocked event loop), or `reloading` (a reload's extra process).
 */
export type ProcessState = SlotState | 'busy' | 'unresponsive' | 'reloading';

export interface MasterStatus {
  pid: number;
  /** Percent of one core over the last sampling window; null before the second sample. */
  cpu: number | null;
  /** RSS in bytes; null before the first sample. */
  memory: number | null;
  /** Seconds since the runtime started. */
  uptime: number;
  /** Epoch ms. */
  startedAt: number;
  /** The master's log file (CLI masters only; null when embedded): path, the write error if any, lines lost. */
  log: LogFileHealth | null;
}

export interface WorkerStatus {
  pid: number | null;
  name: string;
  id: number;
  state: ProcessState;
  cpu: number | null;
  memory: number | null;
  heapUsed: number | null;
  connections: number | null;
  connectionsOpen: number | null;
  messagesIn: number | null;
  messagesOut: number | null;
  bytesIn: number | null;
  bytesOut: number | null;
  reconnects: number | null;
  sendFailures: number | null;
  timers: number | null;
  /** Seconds since a message last arrived (1 s resolution); null if none yet. */
  lastMessageAge: number | null;
  /** Event-loop delay over the last second, p99 and max, in ms. */
  eventLoopLag: number | null;
  eventLoopLagMax: number | null;
  /** Seconds since this process started; null without a process. */
  uptime: number | null;
  /** Replacements of this slot after crashes. */
  restarts: number;
  lastError: string | null;
  /** Seconds since the counters shown were received (large for a busy worker). */
  statsAge: number | null;
  /** Accepted connections of a listening Worker (null: it does not listen, or no counters yet). */
  server: ServerStats | null;
  /** The work keys it owns and, with a coordinator, its Redis state (docs/sharding.md); null without keys. */
  keys: KeysStatus | null;
}

export interface DefinitionStatus {
  name: string;
  count: number;
  reloadable: boolean;
  /** Warm spares this Worker keeps (its `spare` option). */
  spare: number;
  restarts: number;
  /** Ids of slots given up on after repeated start failures. */
  failed: number[];
}

/** A warm spare: a process of a Worker's that waits to take a slot (not a slot itself). */
export interface SpareStatus {
  name: string;
  pid: number | null;
  /** `starting` (importing the script), `warm` (can take a slot), `stopping` (retired by a reload). */
  state: 'starting' | 'warm' | 'stopping';
  startedAt: number;
  cpu: number | null;
  memory: number | null;
  /** Seconds since it was forked. */
  uptime: number;
}

export interface StatusReport {
  version: string;
  node: string;
  platform: string;
  script: string;
  /** Epoch ms when this report was made. */
  time: number;
  /** os.loadavg(): 1, 5 and 15 minutes. */
  loadAverage: number[];
  master: MasterStatus;
  definitions: DefinitionStatus[];
  workers: WorkerStatus[];
  /** Warm spares (empty when no Worker keeps any); they are not in `workers` nor in the totals. */
  spares: SpareStatus[];
  totals: {
    processes: number;
    cpu: number;
    memory: number;
    connections: number;
    /** Accepted connections open now, over every listening worker. */
    accepted: number;
    messagesIn: number;
    messagesOut: number;
    reconnects: number;
    timers: number;
    restarts: number;
    failed: number;
    busy: number;
  };
}

export interface ConnectionStatus extends ConnectionEntry {
  worker: { name: string; id: number; pid: number };
}

export interface ConnectionsReport {
  time: number;
  connections: ConnectionStatus[];
  /** Workers that did not answer before the deadline: their connections are missing above. */
  busy: { name: string; id: number; pid: number }[];
}

/**
 * The connections document in compact form, as the master streams it to the CLI (`connections` with
 * `{ format: 'stream' }`): each worker's connections as rows of values in `columns` order, so a field name
 * is sent once, not once per connection. expandConnections() turns it into the ConnectionsReport.
 */
export interface ConnectionsTable {
  time: number;
  columns: string[];
  workers: WorkerRows[];
  busy: ConnectionsReport['busy'];
  /** Worker pids in slot order: parts arrive as workers answer, the report lists them in this order. */
  order?: number[];
}

/** One worker's connections in a ConnectionsTable. */
export interface WorkerRows {
  worker: ConnectionStatus['worker'];
  rows: unknown[][];
}

export function isConnectionsTable(value: unknown): value is ConnectionsTable {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as ConnectionsTable).columns) &&
    Array.isArray((value as ConnectionsTable).workers)
  );
}

/**
 * ConnectionsTable -> the documented ConnectionsReport (`worker` first, then the info() fields). Each entry
 * is one object literal, so V8 gives all 10,000 the same shape (adding keys one by one is 5-10x slower).
 */
export function expandConnections(table: ConnectionsTable): ConnectionsReport {
  const column = (name: (typeof CONNECTION_COLUMNS)[number]) => table.columns.indexOf(name); // -1: undefined
  const c = {
    id: column('id'),
    kind: column('kind'),
    protocol: column('protocol'),
    url: column('url'),
    listen: column('listen'),
    state: column('state'),
    localAddress: column('localAddress'),
    remoteAddress: column('remoteAddress'),
    bytesIn: column('bytesIn'),
    bytesOut: column('bytesOut'),
    messagesIn: column('messagesIn'),
    messagesOut: column('messagesOut'),
    queuedBytes: column('queuedBytes'),
    reconnectAttempts: column('reconnectAttempts'),
    nextRetryAt: column('nextRetryAt'),
    openedAt: column('openedAt'),
    lastMessageAt: column('lastMessageAt'),
    closeCode: column('closeCode'),
    closeReason: column('closeReason'),
    lastError: column('lastError'),
  } satisfies Record<(typeof CONNECTION_COLUMNS)[number], number>;
  const connections: ConnectionStatus[] = [];
  const rank = new Map((table.order ?? []).map((pid, i) => [pid, i]));
  const workers = [...table.workers].sort(
    (a, b) => (rank.get(a.worker.pid) ?? rank.size) - (rank.get(b.worker.pid) ?? rank.size),
  );
  for (const { worker, rows } of workers) {
    for (const row of rows) {
      connections.push({
        worker,
        id: row[c.id],
        kind: row[c.kind] ?? 'client', // a worker of an older version sends client rows without it
        protocol: row[c.protocol],
        url: row[c.url],
        listen: row[c.listen],
        state: row[c.state],
        localAddress: row[c.localAddress],
        remoteAddress: row[c.remoteAddress],
        bytesIn: row[c.bytesIn],
        bytesOut: row[c.bytesOut],
        messagesIn: row[c.messagesIn],
        messagesOut: row[c.messagesOut],
        queuedBytes: row[c.queuedBytes],
        reconnectAttempts: row[c.reconnectAttempts],
        nextRetryAt: row[c.nextRetryAt],
        openedAt: row[c.openedAt],
        lastMessageAt: row[c.lastMessageAt],
        closeCode: row[c.closeCode],
        closeReason: row[c.closeReason],
        lastError: row[c.lastError],
      } as ConnectionStatus);
    }
  }
  return { time: table.time, connections, busy: table.busy };
}

/** ConnectionInfo -> one row in CONNECTION_COLUMNS order (workers of an older version send client objects). */
export function connectionRow(info: ConnectionInfo | ConnectionEntry): unknown[] {
  const entry: ConnectionEntry =
    'kind' in info
      ? info
      : {
          ...info,
          kind: 'client',
          protocol: info.url.slice(0, Math.max(0, info.url.indexOf('://'))),
          listen: null,
        };
  return CONNECTION_COLUMNS.map((column) => entry[column]);
}

const seconds = (ms: number) => Math.round(ms) / 1000;

/** One row. `stats` is the freshest counters known (null if none), `receivedAt` when they arrived. */
export function workerRow(
  slot: { name: string; id: number; restarts: number; lastError: string | null },
  pid: number | null,
  state: ProcessState,
  usage: Usage | null,
  stats: WorkerStats | null,
  receivedAt: number,
  now: number,
): WorkerStatus {
  return {
    pid,
    name: slot.name,
    id: slot.id,
    state,
    cpu: usage?.cpu ?? null,
    memory: usage?.memory ?? null,
    heapUsed: stats?.heapUsed ?? null,
    connections: stats?.connections ?? null,
    connectionsOpen: stats?.connectionsOpen ?? null,
    messagesIn: stats?.messagesIn ?? null,
    messagesOut: stats?.messagesOut ?? null,
    bytesIn: stats?.bytesIn ?? null,
    bytesOut: stats?.bytesOut ?? null,
    reconnects: stats?.reconnects ?? null,
    sendFailures: stats?.sendFailures ?? null,
    timers: stats?.timers ?? null,
    lastMessageAge: stats?.lastMessageAt != null ? seconds(Math.max(0, now - stats.lastMessageAt)) : null,
    eventLoopLag: stats?.eventLoopLag ?? null,
    eventLoopLagMax: stats?.eventLoopLagMax ?? null,
    uptime: stats ? seconds(now - stats.startedAt) : null,
    restarts: slot.restarts,
    lastError: slot.lastError,
    statsAge: stats ? seconds(now - receivedAt) : null,
    server: stats?.server ?? null,
    keys: stats?.keys ?? null,
  };
}

export function totalsOf(master: MasterStatus, workers: readonly WorkerStatus[]): StatusReport['totals'] {
  const sum = (pick: (w: WorkerStatus) => number | null) =>
    workers.reduce((acc, w) => acc + (pick(w) ?? 0), 0);
  return {
    processes: 1 + workers.filter((w) => w.pid !== null).length,
    cpu: Math.round(((master.cpu ?? 0) + sum((w) => w.cpu)) * 10) / 10,
    memory: (master.memory ?? 0) + sum((w) => w.memory),
    connections: sum((w) => w.connections),
    accepted: sum((w) => w.server?.connections ?? null),
    messagesIn: sum((w) => w.messagesIn),
    messagesOut: sum((w) => w.messagesOut),
    reconnects: sum((w) => w.reconnects),
    timers: sum((w) => w.timers),
    restarts: sum((w) => (w.state === 'reloading' ? 0 : w.restarts)),
    failed: workers.filter((w) => w.state === 'failed').length,
    busy: workers.filter((w) => w.state === 'busy' || w.state === 'unresponsive').length,
  };
}
