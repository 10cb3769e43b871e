// The process-wide side of connections: the registry of live connections, the totals, and closeAll.
import type { ConnectionTotals } from './types.js';

/** What the registry needs from a connection. */
export interface Tracked {
  close(code: number, reason: string): void;
  destroy(): void;
  /** Wire bytes not yet added to the totals of closed connections. */
  uncountedBytes(): { in: number; out: number };
}

/** Unit of the coarse clock in ms. */
const COARSE_MS = 10;
/** Epoch ms of coarse tick 0 (one unit back, so that every reading is >= 1 and 0 can mean "never"). */
const COARSE_BASE = Date.now() - COARSE_MS;

function coarseNow(): number {
  return Math.floor((Date.now() - COARSE_BASE) / COARSE_MS);
}

/**
 * A coarse clock for per-message timestamps, refreshed every 250 ms: reading a field costs nothing on the
 * hot path, `Date.now()` per message would. Counts 10 ms units since COARSE_BASE, a small integer (a Smi
 * for 248 days): storing it into a connection allocates nothing, while an epoch-ms double stored into a
 * field that may also hold null allocates a heap number per message. Ticks only while there are live
 * connections (unref'd).
 */
export const coarseClock = { tick: coarseNow() };
let ticker: NodeJS.Timeout | null = null;

/** Epoch ms of a `coarseClock.tick` reading; null for 0 (never). */
export function coarseEpoch(tick: number): number | null {
  return tick === 0 ? null : COARSE_BASE + tick * COARSE_MS;
}

/** Starts the coarse clock if needed (called when a connection joins the registry). */
export function startClock(): void {
  coarseClock.tick = coarseNow();
  if (ticker !== null) return;
  ticker = setInterval(() => {
    coarseClock.tick = coarseNow();
    if (live.size === 0 && ticker !== null) {
      clearInterval(ticker);
      ticker = null;
    }
  }, 250);
  ticker.unref();
}

let lastConnectionId = 0;

/**
 * The next connection id: one counter for client and accepted connections (as in Workerman), so an id is
 * unique within the process whichever kind of connection it names.
 */
export function nextConnectionId(): number {
  return ++lastConnectionId;
}

/** Every connection that was connect()ed and is not finally closed. */
export const live = new Set<Tracked>();

/** Process-wide message counters, incremented on the hot path (plain integer increments). */
export const Counters = { messagesIn: 0, messagesOut: 0, reconnects: 0, sendFailures: 0 };

/** Wire bytes of connections that already left the registry. */
const closedBytes = { in: 0, out: 0 };

/** Adds a leaving connection's bytes to the closed totals. */
export function countClosed(bytes: { in: number; out: number }): void {
  closedBytes.in += bytes.in;
  closedBytes.out += bytes.out;
}

/** Totals across the process: counters plus bytes of closed and live connections. */
export function totals(): ConnectionTotals {
  let bytesIn = closedBytes.in;
  let bytesOut = closedBytes.out;
  for (const c of live) {
    const b = c.uncountedBytes();
    bytesIn += b.in;
    bytesOut += b.out;
  }
  return { ...Counters, bytesIn, bytesOut };
}

/** Closes every live connection; after `graceMs` destroys the rest; resolves when all left (bounded). */
export async function closeAll(code: number, reason: string, graceMs = 2000): Promise<void> {
  const all = [...live];
  for (const c of all) c.close(code, reason);
  const pending = (): boolean => all.some((c) => live.has(c));
  const deadline = Date.now() + graceMs;
  while (pending() && Date.now() < deadline) await sleep(20);
  for (const c of all) if (live.has(c)) c.destroy();
  const hard = Date.now() + 500;
  while (pending() && Date.now() < hard) await sleep(10);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Size in bytes of one queued message (only used while not open). */
export function byteSize(data: string | Buffer | ArrayBuffer | Uint8Array): number {
  return typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
}

function throwIt(err: unknown): never {
  throw err;
}

/** Re-throws a user callback's exception on the next tick: uncaught, never swallowed, our state already consistent. */
export function rethrowLater(err: unknown): void {
  process.nextTick(throwIt, err);
}
