// `connections`: one row per connection in every worker (client and accepted), from the master's control socket.
// URLs come masked from the worker (credentials, secret query values); header values are never sent.
import {
  expandConnections,
  isConnectionsTable,
  type ConnectionsReport,
  type ConnectionStatus,
  type ConnectionsTable,
  type WorkerRows,
} from '../master/status/report.js';
import { EXIT, type CliContext } from './common.js';
import { askMaster } from './status.js';
import { formatBytes, formatDuration, paint, renderTable, wantsColour, type Column } from './table.js';

export async function runConnections(context: CliContext): Promise<number> {
  // The compact form (field names once: a third of the bytes), one worker per line as each answers, so we
  // parse while the others still answer. A master without streaming ignores the format and sends the
  // ConnectionsReport itself.
  const workers: WorkerRows[] = [];
  const answer = await askMaster<Omit<ConnectionsTable, 'workers'> | ConnectionsReport>(
    context,
    'connections',
    { format: 'stream' },
    (part) => workers.push(part as WorkerRows),
  );
  if (!answer.ok) return answer.exit;
  const table = { ...answer.value, workers };
  const report = isConnectionsTable(table) ? expandConnections(table) : (answer.value as ConnectionsReport);
  process.stdout.write(
    context.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderConnections(context, report)}\n`,
  );
  return EXIT.OK;
}

/** A table cell: '-' for nothing; the cells are strings, numbers and booleans from the worker's row. */
const text = (value: unknown): string =>
  value === null || value === undefined || value === ''
    ? '-'
    : (value as string | number | boolean).toString();
const num = (value: unknown): number | null => (typeof value === 'number' ? value : null);

export function renderConnections(context: CliContext, report: ConnectionsReport): string {
  const colour = wantsColour(process.stdout);
  const now = report.time;
  const columns: Column<ConnectionStatus>[] = [
    { title: 'worker', value: (c) => `${c.worker.name}#${c.worker.id}` },
    { title: 'pid', value: (c) => String(c.worker.pid), right: true },
    { title: 'id', value: (c) => text(c.id), right: true },
    { title: 'kind', value: (c) => text(c.kind) },
    { title: 'proto', value: (c) => text(c.protocol) },
    { title: 'url / listen', value: (c) => text(c.url ?? c.listen) },
    { title: 'state', value: (c) => text(c.state), colour: (c) => (c.state === 'open' ? 'green' : 'yellow') },
    { title: 'local', value: (c) => text(c.localAddress) },
    { title: 'remote', value: (c) => text(c.remoteAddress) },
    { title: 'bytes in', value: (c) => formatBytes(num(c.bytesIn)), right: true },
    { title: 'bytes out', value: (c) => formatBytes(num(c.bytesOut)), right: true },
    { title: 'msg in', value: (c) => text(c.messagesIn), right: true },
    { title: 'msg out', value: (c) => text(c.messagesOut), right: true },
    { title: 'reconn', value: (c) => text(c.reconnectAttempts), right: true },
    { title: 'next retry', value: (c) => since(num(c.nextRetryAt), now, -1), right: true },
    { title: 'age', value: (c) => since(num(c.openedAt), now, 1), right: true },
  ];
  const lines = [`workerman-ts[${context.scriptName}] connections: ${report.connections.length}`];
  lines.push(
    report.connections.length ? renderTable(columns, report.connections, colour) : '(no connections)',
  );
  for (const w of report.busy) {
    lines.push(
      paint(`${w.name}#${w.id} (pid ${w.pid}) is busy: its connections are not listed`, 'red', colour),
    );
  }
  return lines.join('\n');
}

/** Seconds between `at` and `now` (direction 1: age; -1: time until). */
function since(at: number | null, now: number, direction: 1 | -1): string {
  return at === null ? '-' : formatDuration(Math.max(0, ((now - at) * direction) / 1000));
}
