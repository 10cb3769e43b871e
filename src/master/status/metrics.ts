// The opt-in HTTP endpoint of the master (`Worker.metricsListen`): /metrics in the Prometheus text
// exposition format (0.0.4), /healthz and /readyz. Written directly: the figures already live in the
// master (status snapshot), so prom-client's registries and cluster aggregation would add nothing.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatusReport, WorkerStatus } from './report.js';

export interface MetricsSource {
  /** The status document from the last pushed counters (never waits for a worker). */
  snapshot(): StatusReport;
}

/** `'127.0.0.1:9464'`, `':9464'`, `'9464'` or `'[::1]:9464'` -> host and port (port 0 = any free port). */
export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*))?:?(\d+)$/.exec(listen.trim());
  const port = Number(match?.[3]);
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`metricsListen "${listen}" is not host:port (e.g. "127.0.0.1:9464")`);
  }
  return { host: match[1] ?? (match[2] || '127.0.0.1'), port };
}

export class MetricsServer {
  private server: Server | null = null;

  constructor(private readonly source: MetricsSource) {}

  /** Listen; resolves with the URL actually bound (useful with port 0). */
  async listen(listen: string): Promise<string> {
    const { host, port } = parseListen(listen);
    // node:http only when the endpoint is switched on: most masters never serve it.
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.unref(); // the endpoint alone never keeps a host process alive
    this.server = server;
    const address = server.address() as AddressInfo;
    const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${shownHost}:${address.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n');
    switch (url.pathname) {
      case '/metrics':
        return reply(
          res,
          200,
          prometheusText(this.source.snapshot()),
          'text/plain; version=0.0.4; charset=utf-8',
        );
      case '/healthz':
        return reply(res, 200, 'ok\n');
      case '/readyz': {
        const problems = readinessProblems(
          this.source.snapshot(),
          url.searchParams.get('connections') === '1',
        );
        return problems.length === 0
          ? reply(res, 200, 'ready\n')
          : reply(res, 503, `not ready\n${problems.join('\n')}\n`);
      }
      default:
        return reply(res, 404, 'not found: try /metrics, /healthz or /readyz\n');
    }
  }
}

function reply(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** Why the runtime is not ready: slots not ready (or busy), and with `connections`, connections not open. */
export function readinessProblems(report: StatusReport, connections: boolean): string[] {
  const problems: string[] = [];
  for (const w of report.workers) {
    if (w.state === 'reloading') continue;
    if (w.state !== 'ready') problems.push(`${w.name}#${w.id}: ${w.state}`);
    else if (connections && w.connections !== null && w.connectionsOpen !== w.connections) {
      problems.push(`${w.name}#${w.id}: ${w.connectionsOpen ?? 0} of ${w.connections} connections open`);
    }
  }
  return problems;
}

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  pick: (w: WorkerStatus) => number | null;
}

const WORKER_FAMILIES: Family[] = [
  {
    name: 'up',
    help: '1 if the slot has a process that answers (ready, starting), 0 otherwise.',
    type: 'gauge',
    pick: (w) => (w.pid !== null && w.state !== 'busy' && w.state !== 'unresponsive' ? 1 : 0),
  },
  {
    name: 'ready',
    help: '1 if the slot is ready.',
    type: 'gauge',
    pick: (w) => (w.state === 'ready' ? 1 : 0),
  },
  {
    name: 'busy',
    help: '1 if the worker stopped reporting (blocked event loop).',
    type: 'gauge',
    pick: (w) => (w.state === 'busy' || w.state === 'unresponsive' ? 1 : 0),
  },
  {
    name: 'failed',
    help: '1 if the slot was given up on after repeated start failures.',
    type: 'gauge',
    pick: (w) => (w.state === 'failed' ? 1 : 0),
  },
  {
    name: 'restarts_total',
    help: 'Replacements of the slot after crashes.',
    type: 'counter',
    pick: (w) => w.restarts,
  },
  {
    name: 'cpu_percent',
    help: 'CPU use in percent of one core over the last sampling period.',
    type: 'gauge',
    pick: (w) => w.cpu,
  },
  { name: 'resident_memory_bytes', help: 'Resident set size.', type: 'gauge', pick: (w) => w.memory },
  { name: 'heap_used_bytes', help: 'V8 heap in use.', type: 'gauge', pick: (w) => w.heapUsed },
  {
    name: 'connections',
    help: 'Client connections in any state.',
    type: 'gauge',
    pick: (w) => w.connections,
  },
  {
    name: 'connections_open',
    help: 'Client connections that are open.',
    type: 'gauge',
    pick: (w) => w.connectionsOpen,
  },
  { name: 'messages_received_total', help: 'Messages received.', type: 'counter', pick: (w) => w.messagesIn },
  { name: 'messages_sent_total', help: 'Messages sent.', type: 'counter', pick: (w) => w.messagesOut },
  {
    name: 'received_bytes_total',
    help: 'Bytes received on the wire.',
    type: 'counter',
    pick: (w) => w.bytesIn,
  },
  { name: 'sent_bytes_total', help: 'Bytes sent on the wire.', type: 'counter', pick: (w) => w.bytesOut },
  {
    name: 'reconnects_total',
    help: 'Reconnects of client connections.',
    type: 'counter',
    pick: (w) => w.reconnects,
  },
  {
    name: 'send_failures_total',
    help: 'Sends dropped (send() returned false).',
    type: 'counter',
    pick: (w) => w.sendFailures,
  },
  // Accepted connections (listening Workers); left out for a worker that does not listen.
  {
    name: 'accepted_connections',
    help: 'Accepted connections open now.',
    type: 'gauge',
    pick: (w) => w.server?.connections ?? null,
  },
  {
    name: 'accepted_connections_total',
    help: 'Connections accepted.',
    type: 'counter',
    pick: (w) => w.server?.accepted ?? null,
  },
  {
    name: 'refused_connections_total',
    help: 'Connections refused at maxConnections.',
    type: 'counter',
    pick: (w) => w.server?.refused ?? null,
  },
  {
    name: 'accepted_messages_received_total',
    help: 'Messages received on accepted connections.',
    type: 'counter',
    pick: (w) => w.server?.messagesIn ?? null,
  },
  {
    name: 'accepted_messages_sent_total',
    help: 'Messages sent on accepted connections.',
    type: 'counter',
    pick: (w) => w.server?.messagesOut ?? null,
  },
  {
    name: 'accepted_received_bytes_total',
    help: 'Bytes received on accepted connections.',
    type: 'counter',
    pick: (w) => w.server?.bytesIn ?? null,
  },
  {
    name: 'accepted_sent_bytes_total',
    help: 'Bytes sent on accepted connections.',
    type: 'counter',
    pick: (w) => w.server?.bytesOut ?? null,
  },
  { name: 'timers', help: 'Active timers.', type: 'gauge', pick: (w) => w.timers },
  {
    name: 'last_message_age_seconds',
    help: 'Seconds since a message last arrived (1 s resolution).',
    type: 'gauge',
    pick: (w) => w.lastMessageAge,
  },
  {
    name: 'event_loop_lag_seconds',
    help: 'Event-loop delay p99 over the last second.',
    type: 'gauge',
    pick: (w) => ms(w.eventLoopLag),
  },
  {
    name: 'event_loop_lag_max_seconds',
    help: 'Event-loop delay max over the last second.',
    type: 'gauge',
    pick: (w) => ms(w.eventLoopLagMax),
  },
  {
    name: 'uptime_seconds',
    help: 'Seconds since the process started.',
    type: 'gauge',
    pick: (w) => w.uptime,
  },
];

function ms(value: number | null): number | null {
  return value === null ? null : value / 1000;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The whole exposition: master gauges, then one family per worker figure with `name` and `id` labels. */
export function prometheusText(report: StatusReport): string {
  const out: string[] = [];
  const family = (name: string, help: string, type: string) =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const m = report.master;
  family('workerman_master_up', 'Always 1 while the master answers.', 'gauge');
  out.push('workerman_master_up 1');
  family('workerman_master_start_time_seconds', 'Start time of the master, Unix seconds.', 'gauge');
  out.push(`workerman_master_start_time_seconds ${m.startedAt / 1000}`);
  if (m.cpu !== null) {
    family('workerman_master_cpu_percent', 'CPU use of the master in percent of one core.', 'gauge');
    out.push(`workerman_master_cpu_percent ${m.cpu}`);
  }
  if (m.memory !== null) {
    family('workerman_master_resident_memory_bytes', 'Resident set size of the master.', 'gauge');
    out.push(`workerman_master_resident_memory_bytes ${m.memory}`);
  }
  // A reload's extra process would repeat a slot's labels: only the slot's own process is exported.
  const rows = report.workers.filter((w) => w.state !== 'reloading');
  for (const f of WORKER_FAMILIES) {
    const name = `workerman_worker_${f.name}`;
    const samples = rows.flatMap((w) => {
      const value = f.pick(w);
      return value === null ? [] : [`${name}{name="${escapeLabel(w.name)}",id="${w.id}"} ${value}`];
    });
    if (samples.length === 0) continue;
    family(name, f.help, f.type);
    out.push(...samples);
  }
  return `${out.join('\n')}\n`;
}
