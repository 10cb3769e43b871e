// CLI wall times, Node start-up included, each a fresh `node app.js <verb>` process against a running
// daemon master: start -d, status, status --json (live and --pushed), connections, reload, stop with 4
// idle workers (start against a bare cluster primary to "all ready", each query verb against
// `node empty.js` run next to it, stop against a signal from here), and status --json with 32 workers
// holding 10,000 connections.
// Run: npm run bench:cli
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchFile, spawnChild, spawnCommand } from './lib/procs.js';
import { connectionBudget } from './lib/limits.js';
import { runDir, runEnv } from './lib/rundir.js';
import { controlRequest } from '../src/shared/control/client.js';
import { isRunning } from '../src/shared/pidfile.js';
import { STATS_PUSH_INTERVAL_MS } from '../src/shared/messages.js';
import {
  expandConnections,
  type ConnectionsTable,
  type StatusReport,
  type WorkerRows,
} from '../src/master/status/report.js';
import { atMost, below, interleave, isMain, noMore, report, roundCount } from './lib/stats.js';

const CMD = 'npm run bench:cli';

/** A daemon is in its own session: if a round fails half-way, kill it (and its workers) by the pid file. */
function killDaemon(): void {
  const pidFile = join(runDir(), 'master.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
process.once('exit', killDaemon);

/** Run one CLI command to its exit; its wall time in ms. Fails on a non-zero exit. */
async function timed(
  script: string,
  args: string[],
  env: Record<string, string>,
  expect?: RegExp,
): Promise<number> {
  const cmd = spawnCommand([script, ...args], runEnv(env));
  const { ms, code, output } = await cmd.exited(60_000);
  if (code !== 0 || (expect && !expect.test(output)))
    throw new Error(`${args.join(' ')} exited ${code}:\n${output}`);
  return ms;
}

/** A verb's wall time and `node empty.js`'s, run back to back (order alternating) in the same round. */
interface Pair {
  ours: number;
  empty: number;
}

interface Verbs {
  start: number;
  status: Pair;
  statusJson: Pair;
  statusPushed: Pair;
  connections: Pair;
  reload: number;
  stop: Pair;
}

let turn = 0;
/** `node app.js <verb>` next to `node empty.js` (Node starting and exiting alone), which goes first alternating. */
async function paired(app: string, args: string[], env: Record<string, string>): Promise<Pair> {
  const empty = () => timed(benchFile('proc/empty.js'), [], {});
  if (turn++ % 2 === 0) {
    const e = await empty();
    return { ours: await timed(app, args, env), empty: e };
  }
  const ours = await timed(app, args, env);
  return { ours, empty: await empty() };
}

/**
 * A stop without the CLI, as the baseline of the CLI's `stop`: SIGTERM to the master from here, then the
 * same "gone" test the CLI makes (master and workers not running, pid file removed), polled every 1 ms.
 * So `stop` over (`node empty.js` + this) is what the CLI adds: its start-up, finding the master, its
 * 10 ms poll (docs/perf/cli.md).
 */
async function signalledStop(): Promise<number> {
  const pidFile = join(runDir(), 'master.pid');
  const masterPid = Number(readFileSync(pidFile, 'utf8'));
  const info = await controlRequest<{ workers: number[] }>(masterPid, 'ping', {}, 5000);
  const pids = [masterPid, ...info.workers];
  const t0 = performance.now();
  process.kill(masterPid, 'SIGTERM');
  const readPid = () => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : null);
  while (pids.some(isRunning) || readPid() === masterPid) {
    if (performance.now() - t0 > 30_000) throw new Error('the master did not stop within 30 s');
    await new Promise((r) => setTimeout(r, 1));
  }
  return performance.now() - t0;
}

async function oursRound(): Promise<Verbs> {
  const app = benchFile('proc/app-idle.js');
  const env = { BENCH_WORKERS: '4' };
  try {
    const start = await timed(app, ['start', '-d'], env);
    // Every worker has pushed its counters once (every STATS_PUSH_INTERVAL_MS), for status --pushed.
    await new Promise((r) => setTimeout(r, STATS_PUSH_INTERVAL_MS + 100));
    const status = await paired(app, ['status'], env);
    const statusJson = await paired(app, ['status', '--json'], env);
    const statusPushed = await paired(app, ['status', '--json', '--pushed'], env);
    const connections = await paired(app, ['connections'], env);
    const reload = await timed(app, ['reload'], env, /reloaded/);
    const stop = await paired(app, ['stop'], env);
    return { start, status, statusJson, statusPushed, connections, reload, stop };
  } finally {
    killDaemon();
  }
}

const NONE = { ours: NaN, empty: NaN };

async function bareRound(): Promise<Verbs> {
  const cmd = spawnCommand([benchFile('proc/bare.js'), 'start'], { BENCH_WORKERS: '4' });
  let start: number;
  try {
    start = await cmd.waitFor(/all ready/);
    cmd.proc.kill('SIGINT');
    await cmd.exited();
  } finally {
    await cmd.kill();
  }
  // The stop baseline: the same daemon, stopped by a signal from here.
  const app = benchFile('proc/app-idle.js');
  try {
    await timed(app, ['start', '-d'], { BENCH_WORKERS: '4' });
    const stopped = await signalledStop();
    const empty = await timed(benchFile('proc/empty.js'), [], {});
    const stop = { ours: stopped, empty };
    return {
      start,
      status: NONE,
      statusJson: NONE,
      statusPushed: NONE,
      connections: NONE,
      reload: NaN,
      stop,
    };
  } finally {
    killDaemon();
  }
}

const vsEmpty =
  'CLI wall vs `node empty.js` (Node start-up and exit alone, run next to it in the same round)';

export async function runCliVerbs(): Promise<void> {
  const r = await interleave(roundCount(), oursRound, bareRound, false);
  const o = r.ours;
  report(
    'start -d, 4 workers, CLI wall until it exits (all ready) vs bare cluster primary to "all ready"',
    'ms',
    o.map((x) => x.start),
    r.baseline.map((x) => x.start),
    atMost(1.3),
    CMD,
  );
  report(
    'rolling reload of 4 idle workers, CLI `reload` wall',
    'ms',
    o.map((x) => x.reload),
    null,
    noMore(500, 'ms'),
    CMD,
  );
  const pairs: [string, (v: Verbs) => Pair][] = [
    ['status, 4 workers', (v) => v.status],
    ['status --json, 4 workers', (v) => v.statusJson],
    ['status --json --pushed, 4 workers', (v) => v.statusPushed],
    ['connections, 4 idle workers', (v) => v.connections],
  ];
  for (const [what, pick] of pairs) {
    report(
      `${what}, ${vsEmpty}`,
      'ms',
      o.map((x) => pick(x).ours),
      o.map((x) => pick(x).empty),
      atMost(1.15),
      CMD,
    );
  }
  report(
    'stop, 4 idle workers (daemon), CLI wall until all gone',
    'ms',
    o.map((x) => x.stop.ours),
    null,
    noMore(300, 'ms'),
    CMD,
  );
  report(
    'stop, 4 idle workers, CLI wall vs `node empty.js` + the same stop by a signal from the bench (SIGTERM to all gone)',
    'ms',
    o.map((x) => x.stop.ours),
    r.baseline.map((x) => x.stop.ours + x.stop.empty),
    atMost(1.15),
    CMD,
  );
}

export async function runStatusLarge(workers = 32, wanted = 10_000): Promise<void> {
  const { n, note } = connectionBudget(wanted);
  const perWorker = Math.ceil(n / workers);
  const feed = spawnChild('proc/load-server.js');
  const app = benchFile('proc/app-feed.js');
  try {
    const { port } = await feed.call<{ port: number }>({ cmd: 'listen', ws: true, backlog: 4096 });
    const env = {
      BENCH_WORKERS: String(workers),
      BENCH_FEED_CONNS: String(perWorker),
      BENCH_FEED_PORT: String(port),
    };
    await timed(app, ['start', '-d'], env); // ready = every connection open (app-feed.ts)
    const size = `${workers} workers, ${(perWorker * workers).toLocaleString('en')} connections`;
    const masterPid = Number(readFileSync(join(runDir(), 'master.pid'), 'utf8'));
    // The control-socket round trip alone (what issue 6 bounds), the way the CLI makes it: 2 untimed, then timed.
    const status: number[] = [];
    const statusPushed: number[] = [];
    const connections: number[] = [];
    let busyRuns = 0;
    for (let i = 0; i < 2 + 2 * roundCount(); i++) {
      const p0 = performance.now();
      await controlRequest(masterPid, 'status', { counters: 'pushed' }, 10_000);
      const t0 = performance.now();
      await controlRequest(masterPid, 'status', {}, 10_000);
      const t1 = performance.now();
      const parts: unknown[] = [];
      const end = await controlRequest<Omit<ConnectionsTable, 'workers'>>(
        masterPid,
        'connections',
        { format: 'stream' },
        10_000,
        (p) => parts.push(p),
      );
      const listed = expandConnections({ ...end, workers: parts as WorkerRows[] });
      const t2 = performance.now();
      // A worker that misses the busy deadline (300 ms) is listed as busy, without its connections.
      const missing = perWorker * workers - listed.connections.length;
      if (missing !== listed.busy.length * perWorker)
        throw new Error(
          `connections listed ${listed.connections.length} with ${listed.busy.length} busy workers, expected ${perWorker * workers}`,
        );
      if (i >= 2) {
        status.push(t1 - t0);
        statusPushed.push(t0 - p0);
        connections.push(t2 - t1);
        busyRuns += listed.busy.length > 0 ? 1 : 0;
      }
    }
    const busyNote =
      busyRuns > 0
        ? `${busyRuns} of ${connections.length} requests had a busy worker (answered at the 300 ms deadline)`
        : '';
    const statusCli: number[] = [];
    const pushedCli: number[] = [];
    const asked: number[] = [];
    const empty: number[] = [];
    const connectionsCli: number[] = [];
    for (let i = 0; i < roundCount(); i++) {
      // Node's own start-up at this load (33 processes), printed next to the CLI rows as their context.
      empty.push(await timed(benchFile('proc/empty.js'), [], {}));
      statusCli.push(await timed(app, ['status', '--json'], env));
      const cmd = spawnCommand([app, 'status', '--json', '--pushed'], runEnv(env));
      const { ms, code, output } = await cmd.exited(60_000);
      if (code !== 0) throw new Error(`status --json --pushed exited ${code}:\n${output}`);
      pushedCli.push(ms);
      asked.push((JSON.parse(output) as StatusReport).counters.asked);
      connectionsCli.push(await timed(app, ['connections', '--json'], env));
    }
    await timed(app, ['stop'], env);
    report(
      `control-socket round trip, ${size}: status`,
      'ms',
      status,
      null,
      below(200, 'ms'),
      CMD,
      note ?? undefined,
    );
    report(
      `control-socket round trip, ${size}: status with { counters: 'pushed' } (status --pushed)`,
      'ms',
      statusPushed,
      null,
      below(200, 'ms'),
      CMD,
      note ?? undefined,
    );
    const connectionsNote = [note, busyNote].filter(Boolean).join('; ');
    report(
      `control-socket round trip, ${size}: connections (streamed rows, expanded)`,
      'ms',
      connections,
      null,
      below(200, 'ms'),
      CMD,
      connectionsNote || undefined,
    );
    report(
      `status --json, ${size}, CLI wall (baseline: \`node empty.js\` in the same round; the target is absolute)`,
      'ms',
      statusCli,
      empty,
      below(200, 'ms'),
      CMD,
      note ?? undefined,
    );
    const askedNote = `workers asked live (push late) per request: ${asked.join(', ')}`;
    report(
      `status --json --pushed, ${size}, CLI wall (counters as pushed, late workers asked; baseline \`node empty.js\`)`,
      'ms',
      pushedCli,
      empty,
      below(200, 'ms'),
      CMD,
      [note, askedNote].filter(Boolean).join('; '),
    );
    report(`connections --json, ${size}, CLI wall`, 'ms', connectionsCli, null, null, CMD, note ?? undefined);
  } finally {
    killDaemon();
    await feed.kill();
  }
}

export async function runCli(): Promise<void> {
  await runCliVerbs();
  await runStatusLarge();
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === 'large') await runStatusLarge();
  else if (process.argv[2] === 'verbs') await runCliVerbs();
  else await runCli();
}
