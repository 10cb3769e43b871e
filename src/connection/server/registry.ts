// The process-wide side of accepted connections: every live one, and the counters of the process, in the
// spirit of ../registry.ts for client connections. status/connections read them; nothing here runs per message.
import type { TcpConnection } from './TcpConnection.js';

/** Every accepted connection of this process that is not closed yet (any Worker, any protocol). */
export const accepted = new Set<TcpConnection>();

/** Counters of accepted connections, incremented on the hot path (plain integer increments). */
export const ServerCounters = {
  /** Connections accepted (handed to a Worker) since the process started. */
  accepted: 0,
  /** Connections refused because the Worker had `maxConnections` open. */
  refused: 0,
  messagesIn: 0,
  messagesOut: 0,
  /** `send()` calls that returned false. */
  sendFailures: 0,
};

/** Wire bytes of accepted connections that already closed. */
export const closedServerBytes = { in: 0, out: 0 };

/** Totals of accepted connections: the counters plus wire bytes of closed and live ones. */
export interface ServerTotals {
  connections: number;
  accepted: number;
  refused: number;
  messagesIn: number;
  messagesOut: number;
  sendFailures: number;
  bytesIn: number;
  bytesOut: number;
}

export function serverTotals(): ServerTotals {
  let bytesIn = closedServerBytes.in;
  let bytesOut = closedServerBytes.out;
  for (const c of accepted) {
    bytesIn += c.bytesIn;
    bytesOut += c.bytesOut;
  }
  return { connections: accepted.size, ...ServerCounters, bytesIn, bytesOut };
}
