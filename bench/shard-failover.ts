// Failover time of the Redis coordinator: 3 copies of an app (count 2, 300 keys) on a real redis-server;
// one copy is SIGKILLed whole (master and workers, at a random point of the renewal period) and we measure
// the time until every key it owned has a live owner, from the workers' own timestamped records. Baseline
// in the same run: a graceful stop (SIGTERM) of another copy, whose workers leave the group at once.
//   node dist/bench/shard-failover.js   (LEASE_TTL=5 seconds, BENCH_ROUNDS=3)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { redisUnavailable, startRedis } from '../test/helpers/redis-server.js';
import { coordinatedApp, ownershipProblems, readOwnership } from '../test/sharding/ownership-log.js';
import { summarize } from './lib/stats.js';

const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));
const KEYS = 300;
const TTL_S = Number(process.env.LEASE_TTL ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // gone
  }
}

function startCopy(dir: string, script: string, name: string, url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [script, 'start'], {
    cwd: dir,
    detached: true, // its own process group: master and workers die together
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      PID_FILE: join(dir, `${name}.pid`),
      LOG_FILE: join(dir, `${name}.log`),
      REDIS_URL: url,
      LEASE_TTL: String(TTL_S),
    },
  });
  live.add(child);
  child.once('exit', () => live.delete(child));
  let output = '';
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`copy ${name} did not start:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (!output.includes('Start success')) return;
      output = '';
      clearTimeout(timer);
      ok(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  });
}

async function converged(dir: string, deadAt: Map<number, number>): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const p = ownershipProblems(readOwnership(dir, deadAt), KEYS);
    if (p.unowned.length === 0 && p.doubled.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`no convergence: ${p.unowned.length} unowned, ${p.doubled.length} doubled`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** ms from `at` until the last of `keys` got its current live owner (from the workers' records). */
function handover(dir: string, deadAt: Map<number, number>, keys: Set<string>, at: number): number {
  const o = readOwnership(dir, deadAt);
  let last = at;
  for (const key of keys) {
    const current = o.intervals.get(key)!.find((i) => i.to === Infinity);
    if (current) last = Math.max(last, current.from);
  }
  return last - at;
}

function keysOf(dir: string, masterPid: number): Set<string> {
  const o = readOwnership(dir);
  const keys = new Set<string>();
  for (const [worker, set] of o.owned)
    if (worker.startsWith(`${masterPid}-`)) for (const k of set) keys.add(k);
  return keys;
}

async function round(): Promise<{ kill: number; leave: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'wmts-failover-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'workerman-ts'), 'dir');
  const script = join(dir, 'app.mjs');
  writeFileSync(script, coordinatedApp(KEYS));
  const redis = await startRedis();
  try {
    const copies = [];
    for (const name of ['a', 'b', 'c']) copies.push(await startCopy(dir, script, name, redis.url));
    await converged(dir, new Map());
    await new Promise((r) => setTimeout(r, 500 + Math.random() * ((TTL_S * 1000) / 3))); // random renewal phase
    const [, b, c] = copies as [ChildProcess, ChildProcess, ChildProcess];
    const deadAt = new Map<number, number>();
    const orphaned = keysOf(dir, b.pid!);
    const killedAt = Date.now();
    killGroup(b, 'SIGKILL');
    deadAt.set(b.pid!, killedAt);
    await converged(dir, deadAt);
    const kill = handover(dir, deadAt, orphaned, killedAt);
    await new Promise((r) => setTimeout(r, 300));
    const leaving = keysOf(dir, c.pid!);
    const stoppedAt = Date.now();
    killGroup(c, 'SIGTERM');
    await new Promise((r) => c.once('exit', r));
    deadAt.set(c.pid!, Date.now());
    await converged(dir, deadAt);
    const leave = handover(dir, deadAt, leaving, stoppedAt);
    for (const child of live) killGroup(child, 'SIGKILL');
    return { kill, leave };
  } finally {
    for (const child of live) killGroup(child, 'SIGKILL');
    await redis.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const why = redisUnavailable();
if (why) {
  console.log(`skipped: ${why}`);
  process.exit(0);
}
console.log(
  `failover after SIGKILL of one of 3 copies (count 2, ${KEYS} keys), lease TTL ${TTL_S} s, ${ROUNDS} rounds`,
);
const kills: number[] = [];
const leaves: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  const r = await round();
  kills.push(r.kill);
  leaves.push(r.leave);
  console.log(
    `round ${i + 1}: SIGKILL -> every orphaned key owned again in ${r.kill} ms; SIGTERM (graceful leave) -> ${r.leave} ms`,
  );
}
const k = summarize(kills);
const l = summarize(leaves);
const ttl = TTL_S * 1000;
console.log(
  `SIGKILL failover: median ${k.median} ms (${k.min}..${k.max}), ${(k.median / ttl).toFixed(2)} x the lease TTL (target <= 1)`,
);
console.log(
  `graceful leave (baseline): median ${l.median} ms (${l.min}..${l.max}); failover / leave = ${(k.median / Math.max(1, l.median)).toFixed(1)}`,
);
