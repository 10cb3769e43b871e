// The counters a worker reports to the master (status, metrics): pushed every STATS_PUSH_INTERVAL_MS
// and answered on request. Everything here runs once a period or once a request, never per message.
import { createRequire } from 'node:module';
import type { IntervalHistogram } from 'node:perf_hooks';
import { AsyncTcpConnection } from '../connection/index.js';
import { accepted, serverTotals } from '../connection/server/registry.js';
import {
  CONNECTION_COLUMNS,
  STATS_PUSH_INTERVAL_MS,
  type ConnectionEntry,
  type MasterMessage,
  type WorkerMessage,
  type WorkerStats,
} from '../shared/messages.js';
import { activeAssignment } from './keys.js';
import { currentListener } from './listening.js';
import { Timer } from './Timer.js';

const requireBuiltin = createRequire(import.meta.url);

/**
 * Sampling resolution of the event-loop delay histogram (ms); delays are reported beyond it. The histogram's
 * timer wakes an idle worker this often: 20 ms (50 times a second) sees any stall that matters to a feed
 * without 32 idle workers waking 3,200 times a second between them.
 */
const LAG_RESOLUTION_MS = 20;

const startedAt = Date.now() - Math.round(process.uptime() * 1000);
let histogram: IntervalHistogram | null = null;
/** Lag of the last complete push period, so a request between pushes sees a full window. */
let lag = { p99: 0, max: 0 };
let lastMessagesIn = 0;
let lastMessageAt: number | null = null;
let pushTimer: NodeJS.Timeout | null = null;

function beyondResolution(ns: number): number {
  return Math.max(0, Math.round((ns / 1e6 - LAG_RESOLUTION_MS) * 100) / 100);
}

/** Close the current lag window: keep its p99 and max, start a new one. */
function rollLagWindow(): void {
  if (!histogram) return;
  if (histogram.count > 0)
    lag = { p99: beyondResolution(histogram.percentile(99)), max: beyondResolution(histogram.max) };
  histogram.reset();
}

export function collectStats(): WorkerStats {
  const totals = AsyncTcpConnection.totals;
  const server = currentListener() || accepted.size > 0 ? serverStats() : null;
  // The connection layer keeps no last-message time (that would cost a Date.now() per message);
  // a growing messagesIn (client and accepted connections) between two samples says a message arrived.
  const messagesIn = totals.messagesIn + (server?.messagesIn ?? 0);
  if (messagesIn !== lastMessagesIn) {
    lastMessagesIn = messagesIn;
    lastMessageAt = Date.now();
  }
  let open = 0;
  for (const conn of AsyncTcpConnection.connections) if (conn.state === 'open') open++;
  const memory = process.memoryUsage();
  const keys = activeAssignment()?.status();
  return {
    ...(keys ? { keys } : {}),
    connections: AsyncTcpConnection.connections.size,
    connectionsOpen: open,
    messagesIn: totals.messagesIn,
    messagesOut: totals.messagesOut,
    bytesIn: totals.bytesIn,
    bytesOut: totals.bytesOut,
    reconnects: totals.reconnects,
    sendFailures: totals.sendFailures,
    timers: Timer.count(),
    lastMessageAt,
    eventLoopLag: lag.p99,
    eventLoopLagMax: lag.max,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    startedAt,
    server,
  };
}

function serverStats(): NonNullable<WorkerStats['server']> {
  const t = serverTotals();
  return {
    connections: t.connections,
    accepted: t.accepted,
    refused: t.refused,
    messagesIn: t.messagesIn,
    messagesOut: t.messagesOut,
    bytesIn: t.bytesIn,
    bytesOut: t.bytesOut,
    sendFailures: t.sendFailures,
  };
}

/** `ws://h/p` -> `ws`. */
function schemeOf(url: string): string {
  const end = url.indexOf('://');
  return end === -1 ? '' : url.slice(0, end);
}

/** Every connection of this process, client ones first, then accepted ones, as ConnectionEntry objects. */
export function collectConnections(): ConnectionEntry[] {
  const list: ConnectionEntry[] = [];
  for (const conn of AsyncTcpConnection.connections) {
    const info = conn.info();
    // defence in depth: the connection layer already masks displayUrl
    const url = maskUrl(info.url);
    list.push({ ...info, kind: 'client', protocol: schemeOf(url), url, listen: null });
  }
  for (const conn of accepted) {
    const info = conn.info();
    // An accepted connection's info() holds no request URL or header, so nothing in it needs masking.
    list.push({
      id: info.id,
      kind: 'accepted',
      protocol: info.protocol,
      url: null,
      listen: info.listen,
      state: info.state,
      localAddress: info.localAddress,
      remoteAddress: info.remoteAddress,
      bytesIn: info.bytesIn,
      bytesOut: info.bytesOut,
      messagesIn: info.messagesIn,
      messagesOut: info.messagesOut,
      queuedBytes: info.queuedBytes,
      reconnectAttempts: null,
      nextRetryAt: null,
      openedAt: info.openedAt,
      lastMessageAt: info.lastMessageAt,
      closeCode: null,
      closeReason: null,
      lastError: info.lastError,
    });
  }
  return list;
}

/** Every connection as one row of values in CONNECTION_COLUMNS order, as JSON text (what `connections` sends). */
export function collectConnectionRows(): string {
  const rows: unknown[][] = [];
  for (const entry of collectConnections()) {
    const row = new Array<unknown>(CONNECTION_COLUMNS.length);
    for (let i = 0; i < CONNECTION_COLUMNS.length; i++) row[i] = entry[CONNECTION_COLUMNS[i]!];
    rows.push(row);
  }
  return JSON.stringify(rows);
}

/** Credentials other than `***`, or a query value other than `***`. */
const UNMASKED = /:\/\/[^/?#]*[^*/?#]@|[?&][^=&#]+=(?!\*\*\*(?:[&#]|$))/;
const SECRET_PARAM = /token|key|secret|pass|auth|sig|session|cookie|jwt|credential|code/i;

/** `wss://user:pw@host/p?token=x&a=1` -> `wss://***:***@host/p?token=***&a=1`; a non-URL string is left alone. */
export function maskUrl(url: string): string {
  // Fast path (10x cheaper than new URL): nothing unmasked, as the connection layer's displayUrl already is.
  if (!UNMASKED.test(url)) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (parsed.username) {
    parsed.username = '***';
    changed = true;
  }
  if (parsed.password) {
    parsed.password = '***';
    changed = true;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) {
      parsed.searchParams.set(name, '***');
      changed = true;
    }
  }
  return changed ? parsed.toString().replace(/%2A%2A%2A/g, '***') : url;
}

/** The answer to the master's `stats` request. */
export function statsReply(request: Extract<MasterMessage, { wm: 'stats' }>): WorkerMessage {
  return {
    wm: 'stats',
    requestId: request.requestId,
    stats: collectStats(),
    ...(request.connections ? { connectionRows: collectConnectionRows() } : {}),
  };
}

/** Start measuring event-loop delay and pushing counters to the master every period (requestId 0). */
export function startStatsReporting(send: (message: WorkerMessage) => void): void {
  if (pushTimer) return;
  // node:perf_hooks (a dozen internal modules) is loaded here, not with the package, which CLI verbs load
  // too; and only after this turn of the loop, so a worker's `ready` goes out first.
  setImmediate(() => {
    if (!pushTimer || histogram) return;
    const { monitorEventLoopDelay } = requireBuiltin('node:perf_hooks') as typeof import('node:perf_hooks');
    histogram = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    histogram.enable();
  });
  pushTimer = setInterval(() => {
    rollLagWindow();
    send({ wm: 'stats', requestId: 0, stats: collectStats() });
  }, STATS_PUSH_INTERVAL_MS);
  pushTimer.unref(); // reporting alone never keeps a worker alive
}

export function stopStatsReporting(): void {
  if (pushTimer) clearInterval(pushTimer);
  pushTimer = null;
  histogram?.disable();
  histogram = null;
}
