// Listening workers against the bare servers they sit on, 4 workers each, one fresh cluster per round and
// side (bench/proc/server-host.ts): `new Worker('websocket://...')` against a bare `ws` WebSocketServer in
// node:cluster (idle RSS per accepted connection, echo round trips/s, echo messages/s, accepted
// connections/s) and `new Worker('http://...')` against a bare node:http cluster (requests/s). The load
// comes from one generator process (bench/proc/server-load.ts) that costs far less per message than the
// servers. Run: npm run bench:servers
import { spawnChild } from './lib/procs.js';
import { connectionBudget } from './lib/limits.js';
import { atLeast, atMost, interleave, isMain, report, roundCount, scale } from './lib/stats.js';

const CMD = 'npm run bench:servers';
const WORKERS = 4;
type Mode = 'ours' | 'bare';

interface Started {
  port: number;
  /** The primary and its workers. */
  all: number[];
}

interface WsRound {
  rssPerConn: number;
  heapPerConn: number;
  roundTrips: number;
  roundTripsPerCpu: number;
  messages: number;
  messagesPerCpu: number;
  accepts: number;
  acceptsPerCpu: number;
}

interface Counted {
  count: number;
  ms: number;
  cpu: number;
  failures: number;
  firstError: string | null;
}

/** Measured window of each load row (BENCH_SERVER_MS, default 600, times BENCH_SCALE). */
const windowMs = () => Math.max(200, Math.round(Number(process.env.BENCH_SERVER_MS ?? 600) * scale()));

/** Run one measured load window; its rate per wall second and per CPU second of the cluster's processes. */
async function measured(
  load: ReturnType<typeof spawnChild>,
  pids: number[],
  msg: Record<string, unknown>,
): Promise<{ perSecond: number; perCpuSecond: number }> {
  const r = await load.call<Counted>({ ...msg, pids, ms: windowMs(), warmMs: 200 }, 60_000);
  // A refused or reset connection is a defect, not a slow round.
  if (r.failures > 0)
    throw new Error(`${String(msg.cmd)}: ${r.count} done, ${r.failures} failed (${r.firstError ?? '?'})`);
  if (r.count === 0) throw new Error(`${String(msg.cmd)}: nothing completed in ${Math.round(r.ms)} ms`);
  return { perSecond: (r.count / r.ms) * 1000, perCpuSecond: r.count / Math.max(0.01, r.cpu) };
}

async function wsRound(mode: Mode, idleConns: number): Promise<WsRound> {
  const host = spawnChild('proc/server-host.js', [], []);
  const load = spawnChild('proc/server-load.js', [], []);
  try {
    const { port, all } = await host.call<Started>({ cmd: 'start', mode, server: 'ws', count: WORKERS });
    const rt = await measured(load, all, { cmd: 'echo', port, conns: 64, window: 1 });
    const pipe = await measured(load, all, { cmd: 'echo', port, conns: 64, window: 32 });
    const acc = await measured(load, all, { cmd: 'accepts', port, parallel: 32, atLeast: 200 });
    // Idle memory last (closing thousands of connections keeps the workers busy for a while): RSS and
    // heap of the workers (after gc) before and after `idleConns` accepted websockets.
    const heapBefore = (await host.call<{ heapUsed: number }>({ cmd: 'gc' })).heapUsed;
    const before = await host.call<{ rss: number }>({ cmd: 'rss' });
    await load.call({ cmd: 'open', port, n: idleConns }, 60_000);
    await new Promise((r) => setTimeout(r, 200));
    const heapAfter = (await host.call<{ heapUsed: number }>({ cmd: 'gc' })).heapUsed;
    const after = await host.call<{ rss: number }>({ cmd: 'rss' });
    // No stop: the finally below kills both process groups (workers included), which is all a round needs.
    return {
      rssPerConn: (after.rss - before.rss) / idleConns,
      heapPerConn: (heapAfter - heapBefore) / idleConns,
      roundTrips: rt.perSecond,
      roundTripsPerCpu: rt.perCpuSecond,
      messages: pipe.perSecond,
      messagesPerCpu: pipe.perCpuSecond,
      accepts: acc.perSecond,
      acceptsPerCpu: acc.perCpuSecond,
    };
  } finally {
    await Promise.all([host.kill(), load.kill()]);
  }
}

async function httpRound(mode: Mode): Promise<{ perSecond: number; perCpuSecond: number }> {
  const host = spawnChild('proc/server-host.js', [], []);
  const load = spawnChild('proc/server-load.js', [], []);
  try {
    const { port, all } = await host.call<Started>({ cmd: 'start', mode, server: 'http', count: WORKERS });
    const r = await measured(load, all, { cmd: 'http', port, conns: 64 });
    await host.call({ cmd: 'stop' }, 30_000);
    return r;
  } finally {
    await Promise.all([host.kill(), load.kill()]);
  }
}

export async function runServers(): Promise<void> {
  const { n, note } = connectionBudget(Number(process.env.BENCH_SERVER_CONNS ?? 4000));
  if (note) console.log(`note: ${note}`);
  const rounds = roundCount();
  const ws = await interleave(
    rounds,
    () => wsRound('ours', n),
    () => wsRound('bare', n),
    false,
  );
  const pick = (key: keyof WsRound) => [ws.ours.map((r) => r[key]), ws.baseline.map((r) => r[key])] as const;
  const vs = `${WORKERS} workers vs bare ws in node:cluster`;
  report(
    `RSS per accepted websocket, ${n.toLocaleString('en')} idle connections over ${vs} (workers' RSS summed, after gc)`,
    'bytes',
    ...pick('rssPerConn'),
    atMost(1.1),
    CMD,
    note ?? undefined,
  );
  report(
    `V8 heap used per accepted websocket, the same connections (workers' heapUsed summed, after gc)`,
    'bytes',
    ...pick('heapPerConn'),
    null,
    CMD,
  );
  report(
    `websocket echo, 64 conns x 1 in flight (64 B text), ${vs}, wall`,
    'round trips/s',
    ...pick('roundTrips'),
    atLeast(0.95),
    CMD,
  );
  report(
    `websocket echo, 64 conns x 1 in flight, ${vs}, per CPU-s of the cluster`,
    'round trips',
    ...pick('roundTripsPerCpu'),
    atLeast(0.95),
    CMD,
  );
  report(
    `websocket echo, 64 conns x 32 in flight (64 B text), ${vs}, wall`,
    'msgs/s',
    ...pick('messages'),
    atLeast(0.95),
    CMD,
  );
  report(
    `websocket echo, 64 conns x 32 in flight, ${vs}, per CPU-s of the cluster`,
    'msgs',
    ...pick('messagesPerCpu'),
    atLeast(0.95),
    CMD,
  );
  report(
    `accepted websockets (connect, handshake, client closes), 32 in parallel, ${vs}, wall`,
    'conns/s',
    ...pick('accepts'),
    atLeast(0.9),
    CMD,
  );
  report(
    `accepted websockets, 32 in parallel, ${vs}, per CPU-s of the cluster`,
    'conns',
    ...pick('acceptsPerCpu'),
    atLeast(0.9),
    CMD,
  );
  const http = await interleave(
    rounds,
    () => httpRound('ours'),
    () => httpRound('bare'),
    false,
  );
  const hvs = `${WORKERS} workers vs bare node:http in node:cluster`;
  report(
    `http:// GET keep-alive, 64 conns x 1 in flight, ${hvs}, wall`,
    'requests/s',
    http.ours.map((r) => r.perSecond),
    http.baseline.map((r) => r.perSecond),
    atLeast(0.9),
    CMD,
  );
  report(
    `http:// GET keep-alive, 64 conns x 1 in flight, ${hvs}, per CPU-s of the cluster`,
    'requests',
    http.ours.map((r) => r.perCpuSecond),
    http.baseline.map((r) => r.perCpuSecond),
    atLeast(0.9),
    CMD,
  );
}

if (isMain(import.meta.url)) await runServers();
