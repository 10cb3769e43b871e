// The master against a hostile control client and a start that can never succeed, each against a baseline
// from the same run:
// - master RSS after a 50 MB control-socket line (before the fix: 52 MB -> 2.97 GB), against its RSS before;
// - 1,000 concurrent control connections each asking `ping`, against 1,000 pings one after the other;
// - `start` whose onWorkerStart throws a ConfigError (fails at once) against a plain Error (5 tries, backoff).
// Run: npm run build && node dist/bench/hostile.js   (BENCH_ROUNDS, default 3)
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { controlSocketPath } from '../src/shared/control/socket-path.js';
import { benchFile, killAllChildren, spawnCommand } from './lib/procs.js';
import { runEnv } from './lib/rundir.js';
import { atMost, isMain, noMore, report } from './lib/stats.js';

const CMD = 'node dist/bench/hostile.js';

function rss(pid: number): number {
  return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
}

/** Write `payload` (chunks) to the master's control socket; resolves with the first reply line. */
function send(pid: number, payload: string | Buffer[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(controlSocketPath(pid));
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer in 60 s'));
    }, 60_000);
    socket.on('data', (chunk) => {
      got += chunk.toString();
      const newline = got.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(got.slice(0, newline));
    });
    socket.on('error', () => undefined);
    if (typeof payload === 'string') socket.write(payload);
    else {
      let i = 0;
      const more = () => {
        while (i < payload.length && !socket.destroyed) if (!socket.write(payload[i++]!)) return;
      };
      socket.on('drain', more);
      more();
    }
  });
}

async function controlRound(): Promise<{
  before: number;
  after: number;
  concurrent: number;
  serial: number;
}> {
  const master = spawnCommand([benchFile('proc/app-idle.js'), 'start'], runEnv({ BENCH_WORKERS: '2' }));
  try {
    await master.waitFor(/Start success\./, 30_000);
    const pid = master.proc.pid!;
    await new Promise((r) => setTimeout(r, 500));
    const before = rss(pid);
    const reply = await send(pid, Array<Buffer>(50).fill(Buffer.alloc(1024 * 1024, 'a')));
    if (!reply.includes('request larger than')) throw new Error(`unexpected reply ${reply}`);
    await new Promise((r) => setTimeout(r, 500));
    const after = rss(pid);
    let t0 = performance.now();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => send(pid, `{"id":${i},"cmd":"ping"}\n`)));
    const concurrent = performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < 1000; i++) await send(pid, `{"id":${i},"cmd":"ping"}\n`);
    const serial = performance.now() - t0;
    return { before, after, concurrent, serial };
  } finally {
    await master.kill();
  }
}

async function startFailure(kind: 'config' | 'crash'): Promise<number> {
  const run = spawnCommand([benchFile('proc/app-start-error.js'), 'start'], runEnv({ BENCH_CASE: kind }));
  const { ms, code } = await run.exited(60_000);
  if (code !== 1) throw new Error(`start with a ${kind} error exited ${code}:\n${run.output()}`);
  return ms;
}

export async function benchHostile(): Promise<void> {
  const n = Number(process.env.BENCH_ROUNDS) > 0 ? Number(process.env.BENCH_ROUNDS) : 3;
  const rounds: Awaited<ReturnType<typeof controlRound>>[] = [];
  for (let i = 0; i < n; i++) rounds.push(await controlRound());
  const mb = (b: number) => b / 1e6;
  report(
    'master RSS after a 50 MB control line (answered, connection closed), vs before it',
    'MB',
    rounds.map((r) => mb(r.after)),
    rounds.map((r) => mb(r.before)),
    { ...noMore(100, 'MB growth'), check: () => rounds.every((r) => r.after - r.before < 100e6) },
    CMD,
  );
  report(
    '1,000 concurrent control connections (ping), all answered, vs 1,000 one after the other',
    'ms',
    rounds.map((r) => r.concurrent),
    rounds.map((r) => r.serial),
    atMost(1),
    CMD,
  );
  const config: number[] = [];
  const crash: number[] = [];
  for (let i = 0; i < n; i++) {
    config.push(await startFailure('config'));
    crash.push(await startFailure('crash'));
  }
  report(
    '`start` failing with a ConfigError (no retry) vs a plain Error (5 tries with backoff)',
    'ms',
    config,
    crash,
    atMost(0.5),
    CMD,
  );
}

if (isMain(import.meta.url)) {
  benchHostile()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(killAllChildren);
}
