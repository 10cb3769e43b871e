// `status`: ask the running master over its control socket and print a table, `--json`, or (`-d`) a
// table refreshed in place every second until Ctrl-C.
import type { StatusReport, WorkerStatus } from '../master/status/report.js';
import { askMaster } from './ask-master.js';
import { EXIT, type CliContext } from './common.js';
import {
  formatBytes,
  formatDuration,
  formatNumber,
  paint,
  renderTable,
  rule,
  wantsColour,
  type Colour,
  type Column,
} from './table.js';

export async function runStatus(context: CliContext): Promise<number> {
  if (context.daemon && !context.json) return live(context);
  const answer = await askMaster<StatusReport>(context, 'status');
  if (!answer.ok) return answer.exit;
  const report = answer.value;
  process.stdout.write(
    context.json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStatus(context, report)}\n`,
  );
  return EXIT.OK;
}

/** `status -d`: clear, print, wait a second, again; Ctrl-C ends it with exit 0. */
async function live(context: CliContext): Promise<number> {
  let stop: (() => void) | null = null;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const onSignal = () => stop?.();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    for (;;) {
      const answer = await askMaster<StatusReport>(context, 'status');
      if (!answer.ok) return answer.exit;
      // Redraw in place on a terminal; piped to a file or a pager, one frame after the other.
      const clear = process.stdout.isTTY ? '\x1b[H\x1b[2J' : '';
      process.stdout.write(
        `${clear}${renderStatus(context, answer.value)}\n\nPress Ctrl+C to quit.\n${clear ? '' : '\n'}`,
      );
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), 1000)));
      const outcome = await Promise.race([tick, stopped.then(() => 'stop' as const)]);
      clearTimeout(timer);
      if (outcome === 'stop') return EXIT.OK;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const STATE_COLOURS: Partial<Record<string, Colour>> = {
  ready: 'green',
  running: 'green',
  starting: 'yellow',
  reloading: 'yellow',
  'waiting-restart': 'yellow',
  stopping: 'yellow',
  busy: 'red',
  unresponsive: 'red',
  failed: 'red',
  stopped: 'gray',
};

type Row = Pick<WorkerStatus, 'pid' | 'state' | 'cpu' | 'memory' | 'uptime'> &
  Partial<WorkerStatus> & { label: string };

const COLUMNS: Column<Row>[] = [
  { title: 'pid', value: (r) => formatNumber(r.pid), right: true },
  { title: 'worker', value: (r) => r.label },
  { title: 'state', value: (r) => r.state, colour: (r) => STATE_COLOURS[r.state] ?? null },
  { title: 'cpu', value: (r) => formatNumber(r.cpu, '%'), right: true },
  { title: 'memory', value: (r) => formatBytes(r.memory), right: true },
  { title: 'conns', value: (r) => conns(r), right: true },
  { title: 'accepted', value: (r) => formatNumber(r.server?.connections ?? null), right: true },
  // Messages of client and accepted connections together (--json keeps them apart: server.messagesIn).
  { title: 'msg in', value: (r) => formatNumber(both(r.messagesIn, r.server?.messagesIn)), right: true },
  { title: 'msg out', value: (r) => formatNumber(both(r.messagesOut, r.server?.messagesOut)), right: true },
  { title: 'reconn', value: (r) => formatNumber(r.reconnects ?? null), right: true },
  { title: 'timers', value: (r) => formatNumber(r.timers ?? null), right: true },
  { title: 'last msg', value: (r) => formatDuration(r.lastMessageAge ?? null), right: true },
  { title: 'lag', value: (r) => formatNumber(r.eventLoopLag ?? null, 'ms'), right: true },
  { title: 'uptime', value: (r) => formatDuration(r.uptime), right: true },
  { title: 'restarts', value: (r) => formatNumber(r.restarts ?? null), right: true },
];

function acceptedSum(report: StatusReport, key: 'messagesIn' | 'messagesOut'): number {
  return report.workers.reduce((n, w) => n + (w.server?.[key] ?? 0), 0);
}

function both(client: number | null | undefined, accepted: number | undefined): number | null {
  if (client === null || client === undefined) return accepted ?? null;
  return client + (accepted ?? 0);
}

/** The `keys` column (owned/listed, and the coordinator's state) when some worker has work keys. */
function withKeysColumn(report: StatusReport): Column<Row>[] {
  if (!report.workers.some((w) => w.keys)) return COLUMNS;
  const keys: Column<Row> = {
    title: 'keys',
    value: (r) => {
      const k = r.keys;
      if (!k) return '-';
      const state = k.coordinator && k.coordinator.state !== 'ok' ? ` ${k.coordinator.state}` : '';
      return `${k.owned}/${k.keys}${state}`;
    },
    right: true,
  };
  return [...COLUMNS.slice(0, 5), keys, ...COLUMNS.slice(5)];
}

/** One line per worker whose coordinator is not answering (docs/sharding.md). */
function coordinatorTrouble(report: StatusReport): string[] {
  return report.workers.flatMap((w) => {
    const c = w.keys?.coordinator;
    if (!c || c.state === 'ok' || c.state === 'left') return [];
    const since = new Date(c.since).toISOString();
    return [
      `${w.name}#${w.id}: coordinator ${c.url} ${c.state} since ${since}${c.lastError ? ` (${c.lastError})` : ''}, owns ${w.keys!.owned} keys`,
    ];
  });
}

function conns(r: Row): string {
  if (r.connections === undefined || r.connections === null) return '-';
  return r.connectionsOpen === r.connections
    ? String(r.connections)
    : `${r.connectionsOpen ?? 0}/${r.connections}`;
}

export function renderStatus(context: CliContext, report: StatusReport): string {
  const colour = wantsColour(process.stdout);
  const rows: Row[] = [
    {
      label: 'master',
      pid: report.master.pid,
      state: 'running' as Row['state'],
      cpu: report.master.cpu,
      memory: report.master.memory,
      uptime: report.master.uptime,
    },
    ...report.workers.map((w) => ({ ...w, label: `${w.name}#${w.id}` })),
    // Warm spares: extra processes of a Worker with `spare`, waiting to take a slot that dies.
    ...(report.spares ?? []).map((s) => ({
      ...s,
      label: `${s.name} spare`,
      state: (s.state === 'warm' ? 'spare' : s.state) as Row['state'],
    })),
  ];
  const table = renderTable(withKeysColumn(report), rows, colour);
  const width = Math.max(80, ...table.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').length));
  const t = report.totals;
  const definitions = renderTable(
    [
      { title: 'worker', value: (d) => d.name },
      { title: 'count', value: (d) => String(d.count), right: true },
      { title: 'reloadable', value: (d) => (d.reloadable ? 'yes' : 'no') },
      { title: 'spare', value: (d) => String(d.spare ?? 0), right: true },
      { title: 'restarts', value: (d) => String(d.restarts), right: true },
      {
        title: 'failed slots',
        value: (d) => (d.failed.length ? d.failed.join(',') : '-'),
        colour: (d) => (d.failed.length ? 'red' : null),
      },
    ],
    report.definitions,
    colour,
  );
  const failedIds = report.workers.filter((w) => w.state === 'failed' && w.lastError);
  return [
    `workerman-ts[${context.scriptName}] status`,
    rule('GLOBAL STATUS', width),
    `workerman-ts/${report.version}   Node/${report.node}   ${report.platform}`,
    `start time: ${new Date(report.master.startedAt).toISOString()}   uptime ${formatDuration(report.master.uptime)}   load average: ${report.loadAverage.join(', ')}`,
    `${report.definitions.length} worker definitions   ${t.processes} processes   ${t.restarts} restarts   ${t.failed} failed   ${t.busy} busy`,
    definitions,
    ...failedIds.map((w) => paint(`${w.name}#${w.id} failed: ${w.lastError}`, 'red', colour)),
    ...(report.master.log?.error
      ? [
          paint(
            `log file ${report.master.log.file}: cannot write (${report.master.log.error}), ${report.master.log.lostLines} lines lost`,
            'red',
            colour,
          ),
        ]
      : []),
    rule('PROCESS STATUS', width),
    table,
    ...coordinatorTrouble(report).map((line) => paint(line, 'red', colour)),
    rule('', width),
    `total: cpu ${t.cpu}%   memory ${formatBytes(t.memory)}   connections ${t.connections}   accepted ${t.accepted ?? 0}   messages in ${t.messagesIn + acceptedSum(report, 'messagesIn')} out ${t.messagesOut + acceptedSum(report, 'messagesOut')}   reconnects ${t.reconnects}   timers ${t.timers}`,
  ].join('\n');
}
