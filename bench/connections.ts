// Many idle connections in one process, ours against raw `ws`: RSS and V8 heap used per connection (deltas
// after GC, --expose-gc, both sides in the same rounds) and the time to open them all; then the reconnect storm when the server restarts.
// Each round uses a fresh client and server process. Run: npm run bench:connections
import { spawnChild } from './lib/procs.js';
import { connectionBudget } from './lib/limits.js';
import { atMost, interleave, isMain, noMore, report, roundCount } from './lib/stats.js';

const CMD = 'npm run bench:connections';

interface Idle {
  perConnBytes: number;
  heapPerConnBytes: number;
  openMs: number;
}

async function idleRound(mode: 'ours' | 'raw', n: number): Promise<Idle> {
  const server = spawnChild('proc/load-server.js');
  const client = spawnChild('proc/client.js');
  try {
    const { port } = await server.call<{ port: number }>({ cmd: 'listen', ws: true, backlog: 4096 });
    const before = await client.call<{ rss: number; heapUsed: number }>({ cmd: 'memory' });
    const { ms } = await client.call<{ ms: number }>({ cmd: 'open', mode, proto: 'ws', port, n }, 60_000);
    await new Promise((r) => setTimeout(r, 200));
    const after = await client.call<{ rss: number; heapUsed: number }>({ cmd: 'memory' });
    await server.call({ cmd: 'closeAll' });
    return {
      perConnBytes: (after.rss - before.rss) / n,
      heapPerConnBytes: (after.heapUsed - before.heapUsed) / n,
      openMs: ms,
    };
  } finally {
    await Promise.all([client.kill(), server.kill()]);
  }
}

export async function runIdle(wanted = Number(process.env.BENCH_CONNS ?? 10_000)): Promise<void> {
  const { n, note } = connectionBudget(wanted);
  if (note) console.log(`note: ${note}`);
  const r = await interleave(
    roundCount(),
    () => idleRound('ours', n),
    () => idleRound('raw', n),
    false,
  );
  const label = `${n.toLocaleString('en')} idle ws connections in one process`;
  report(
    `RSS per connection, ${label} vs raw ws`,
    'bytes',
    r.ours.map((x) => x.perConnBytes),
    r.baseline.map((x) => x.perConnBytes),
    atMost(0.75),
    CMD,
    note ?? undefined,
  );
  report(
    `V8 heap used per connection, ${label} vs raw ws`,
    'bytes',
    r.ours.map((x) => x.heapPerConnBytes),
    r.baseline.map((x) => x.heapPerConnBytes),
    null,
    CMD,
    note ?? undefined,
  );
  report(
    `time to open ${label} vs raw ws`,
    'ms',
    r.ours.map((x) => x.openMs),
    r.baseline.map((x) => x.openMs),
    atMost(1.2),
    CMD,
    note ?? undefined,
  );
}

/** Peak attempts in any 100 ms window, as a rate per second. */
function peakRate(times: number[]): number {
  const buckets = new Map<number, number>();
  for (const t of times) buckets.set(Math.floor(t / 100), (buckets.get(Math.floor(t / 100)) ?? 0) + 1);
  return Math.max(0, ...buckets.values()) * 10;
}

export async function runStorm(
  wanted = Number(process.env.BENCH_CONNS ?? 10_000),
  downMs = 500,
): Promise<void> {
  const { n, note } = connectionBudget(wanted);
  if (note) console.log(`note: ${note}`);
  // Default policy (reconnect: true): first retry uniformly in [0, 1 s), caps doubling. Its mean rate for the
  // first wave is n / 1 s; a synchronized storm would put all n into one 100 ms window (10x that).
  const bound = 2 * n;
  const times: number[] = [];
  const peaks: number[] = [];
  const back: number[] = [];
  for (let r = 0; r < roundCount(); r++) {
    const server = spawnChild('proc/load-server.js');
    const client = spawnChild('proc/client.js');
    try {
      const { port } = await server.call<{ port: number }>({ cmd: 'listen', ws: true, backlog: 4096 });
      await client.call(
        { cmd: 'open', mode: 'ours', proto: 'ws', port, n, options: { reconnect: true } },
        60_000,
      );
      await client.call({ cmd: 'watchAttempts' });
      await server.call({ cmd: 'restart', downMs });
      const res = await client.call<{ ms: number; open: number; total: number; times: number[] }>(
        { cmd: 'waitAllOpen', timeoutMs: 60_000 },
        70_000,
      );
      if (res.open !== res.total)
        throw new Error(`reconnect storm: only ${res.open} of ${res.total} back after ${res.ms} ms`);
      back.push(res.ms);
      peaks.push(peakRate(res.times));
      times.push(res.times.length);
      await server.call({ cmd: 'closeAll' });
    } finally {
      await Promise.all([client.kill(), server.kill()]);
    }
  }
  const what = `reconnect storm, ${n.toLocaleString('en')} ws connections, server down ${downMs} ms`;
  report(`${what}: time until all back`, 'ms', back, null, null, CMD, note ?? undefined);
  report(
    `${what}: peak attempts/s (100 ms windows)`,
    'attempts/s',
    peaks,
    null,
    noMore(bound, `attempts/s (2 x n / initialDelay)`),
    CMD,
  );
  report(`${what}: attempts per storm`, 'attempts', times, null, null, CMD);
}

export async function runConnections(): Promise<void> {
  await runIdle();
  await runStorm();
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === 'idle') await runIdle(Number(process.argv[3] ?? 10_000));
  else if (process.argv[2] === 'storm') await runStorm(Number(process.argv[3] ?? 10_000));
  else await runConnections();
}
