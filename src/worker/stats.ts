// The counters a worker reports to the master (status, metrics).
import { AsyncTcpConnection } from '../connection/index.js';
import type { WorkerStats } from '../shared/messages.js';
import { Timer } from './Timer.js';

export function collectStats(): WorkerStats {
  const totals = AsyncTcpConnection.totals;
  return {
    connections: AsyncTcpConnection.connections.size,
    messagesIn: totals.messagesIn,
    messagesOut: totals.messagesOut,
    bytesIn: totals.bytesIn,
    bytesOut: totals.bytesOut,
    reconnects: totals.reconnects,
    sendFailures: totals.sendFailures,
    timers: Timer.count(),
    heapUsed: process.memoryUsage().heapUsed,
  };
}
