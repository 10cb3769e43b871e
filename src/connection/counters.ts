// Process-wide counters and the small helpers the hot path shares.
import type { ConnectionTotals } from './types.js';

/** Process-wide counters; bytes come from live sockets plus closed ones (see snapshot). */
export const Counters = {
  messagesIn: 0,
  messagesOut: 0,
  reconnects: 0,
  sendFailures: 0,
  /** Totals including the wire bytes of `live` connections. */
  snapshot(live: Iterable<{ bytesIn: number; bytesOut: number }>): ConnectionTotals {
    let bytesIn = closedBytes.in;
    let bytesOut = closedBytes.out;
    for (const c of live) {
      bytesIn += c.bytesIn;
      bytesOut += c.bytesOut;
    }
    return { messagesIn: this.messagesIn, messagesOut: this.messagesOut, bytesIn, bytesOut, reconnects: this.reconnects, sendFailures: this.sendFailures };
  },
};

/** Bytes of finally closed connections (added when they leave the registry). */
export const closedBytes = { in: 0, out: 0 };

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
