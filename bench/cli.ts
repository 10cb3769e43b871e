// CLI wall times, Node start-up included, each a fresh `node app.js <verb>` process against a running
// daemon master: start -d, status, status --json, reload, stop with 4 idle workers (start against a bare
// cluster primary to "all ready"), and status --json with 32 workers holding 10,000 connections.
// Run: npm run bench:cli
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchFile, spawnChild, spawnCommand } from './lib/procs.js';
import { connectionBudget } from './lib/limits.js';
import { runDir, runEnv } from './lib/rundir.js';
import { controlRequest } from '../src/shared/control/client.js';
import { expandConnections, type ConnectionsTable, type WorkerRows } from '../src/master/status/report.js';
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

interface Verbs {
  start: number;
  status: number;
  statusJson: number;
  reload: number;
  stop: number;
}

async function oursRound(): Promise<Verbs> {
  const app = benchFile('proc/app-idle.js');
  const env = { BENCH_WORKERS: '4' };
  try {
    const start = await timed(app, ['start', '-d'], env);
    await new Promise((r) => setTimeout(r, 200));
    const status = await timed(app, ['status'], env);
    const statusJson = await timed(app, ['status', '--json'], env);
    const reload = await timed(app, ['reload'], env, /reloaded/);
    const stop = await timed(app, ['stop'], env);
    return { start, status, statusJson, reload, stop };
  } finally {
    killDaemon();
  }
}

async function bareRound(): Promise<Verbs> {
  const cmd = spawnCommand([benchFile('proc/bare.js'), 'start'], { BENCH_WORKERS: '4' });
  try {
    const start = await cmd.waitFor(/all ready/);
    cmd.proc.kill('SIGINT');
    await cmd.exited();
    // What Node alone takes to start and exit with an empty module: the floor of every CLI verb.
    const empty = benchFile('proc/empty.js');
    const status = await timed(empty, [], {});
    const statusJson = await timed(empty, [], {});
    return { start, status, statusJson, reload: NaN, stop: NaN };
  } finally {
    await cmd.kill();
  }
}

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
    noMore(600, 'ms'),
    CMD,
  );
  const nodeAlone = r.baseline.map((x) => x.status);
  report(
    'status, 4 workers, CLI wall vs `node empty.js` (Node start-up and exit alone)',
    'ms',
    o.map((x) => x.status),
    nodeAlone,
    noMore(150, 'ms'),
    CMD,
  );
  report(
    'status --json, 4 workers, CLI wall vs `node empty.js`',
    'ms',
    o.map((x) => x.statusJson),
    r.baseline.map((x) => x.statusJson),
    noMore(150, 'ms'),
    CMD,
  );
  report(
    'stop, 4 idle workers (daemon), CLI wall until all gone',
    'ms',
    o.map((x) => x.stop),
    null,
    noMore(300, 'ms'),
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
    const connections: number[] = [];
    let busyRuns = 0;
    for (let i = 0; i < 2 + 2 * roundCount(); i++) {
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
        connections.push(t2 - t1);
        busyRuns += listed.busy.length > 0 ? 1 : 0;
      }
    }
    const busyNote =
      busyRuns > 0
        ? `${busyRuns} of ${connections.length} requests had a busy worker (answered at the 300 ms deadline)`
        : '';
    const statusCli: number[] = [];
    const connectionsCli: number[] = [];
    for (let i = 0; i < roundCount(); i++) {
      statusCli.push(await timed(app, ['status', '--json'], env));
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
      `status --json, ${size}, CLI wall`,
      'ms',
      statusCli,
      null,
      below(200, 'ms'),
      CMD,
      note ?? undefined,
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
