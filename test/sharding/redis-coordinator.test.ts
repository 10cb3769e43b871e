// Dynamic ownership on a real redis-server (started here on 127.0.0.1, no persistence): three copies of an
// app (count 2: six members), one copy SIGKILLed whole, one added; then Redis stopped and started again.
// Every worker records its ownership changes with timestamps (ownership-log.ts); the invariant checked:
// once the lease TTL has passed after a change every key is owned by exactly one live worker, and no key is
// ever owned by two for longer than the TTL. While Redis is down the workers keep their keys and say so in
// `status` and the log; when it is back they re-converge.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ping } from '../master/cli-helpers.js';
import { run, useAppDir, type AppDir, type Running } from '../helpers/processes.js';
import { redisUnavailable, startRedis, type RedisServer } from '../helpers/redis-server.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { coordinatedApp, longestOverlap, ownershipProblems, readOwnership } from './ownership-log.js';

const KEYS = 300;
const TTL_S = 2;
const TTL_MS = TTL_S * 1000;
const skip = redisUnavailable();
if (skip) console.log(`# skipping the Redis coordinator tests: ${skip}`);

interface Copy {
  name: string;
  running: Running;
}

function startCopy(
  app: AppDir,
  script: string,
  redis: RedisServer,
  name: string,
  env: NodeJS.ProcessEnv = {},
): Copy {
  const running = run([script, 'start'], {
    cwd: app.dir,
    env: {
      PID_FILE: join(app.dir, `${name}.pid`),
      LOG_FILE: join(app.dir, `${name}.log`),
      REDIS_URL: redis.url,
      LEASE_TTL: String(TTL_S),
      ...env,
    },
  });
  return { name, running };
}

/** Wait until every key has exactly one live owner (bounded); returns when that was first seen. */
async function converged(
  app: AppDir,
  deadAt: Map<number, number>,
  what: string,
  timeoutMs = 20_000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const problems = ownershipProblems(readOwnership(app.dir, deadAt), KEYS);
    if (problems.unowned.length === 0 && problems.doubled.length === 0) return Date.now();
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not converged after ${timeoutMs} ms: ${problems.unowned.length} keys unowned, ${problems.doubled.length} owned twice`,
      );
    }
    await sleep(50);
  }
}

async function statusJson(
  app: AppDir,
  script: string,
  copy: string,
): Promise<{ workers: { keys: unknown }[] }> {
  const p = run([script, 'status', '--json'], {
    cwd: app.dir,
    env: {
      PID_FILE: join(app.dir, `${copy}.pid`),
      LOG_FILE: join(app.dir, `${copy}.log`),
      REDIS_URL: 'redis://x',
    },
  });
  const { code } = await p.exited(15_000);
  assert.equal(code, 0, p.output());
  return JSON.parse(p.output()) as { workers: { keys: unknown }[] };
}

test(
  '3 copies on Redis: SIGKILL one, add one, stop and restart Redis: one live owner per key',
  { skip: skip ?? false },
  async () => {
    const app = useAppDir();
    const script = app.write('app.mjs', coordinatedApp(KEYS));
    const redis = await startRedis();
    try {
      const copies = ['a', 'b', 'c'].map((name) => startCopy(app, script, redis, name));
      for (const copy of copies) await copy.running.waitFor('Start success', 30_000);
      const deadAt = new Map<number, number>();
      await converged(app, deadAt, 'after the start');
      const first = readOwnership(app.dir, deadAt);
      assert.equal([...first.owned.values()].filter((s) => s.size > 0).length, 6, 'all six workers own keys');

      // SIGKILL the whole of copy b: its master and both workers at once.
      const b = copies[1]!;
      const masterPid = b.running.child.pid!;
      const { workers } = await ping(masterPid);
      assert.equal(workers.length, 2);
      const killedAt = Date.now();
      for (const pid of [masterPid, ...workers]) process.kill(pid, 'SIGKILL');
      deadAt.set(masterPid, killedAt);
      await b.running.exited(10_000);
      const failover = (await converged(app, deadAt, 'after the SIGKILL')) - killedAt;
      console.log(`# failover after SIGKILL of one copy: ${failover} ms (lease TTL ${TTL_MS} ms)`);

      // A new copy joins and takes its share.
      const d = startCopy(app, script, redis, 'd');
      await d.running.waitFor('Start success', 30_000);
      await sleep(TTL_MS);
      await converged(app, deadAt, 'after the join');
      const dPid = d.running.child.pid!;
      const joined = readOwnership(app.dir, deadAt);
      const dOwned = [...joined.owned]
        .filter(([w]) => w.startsWith(`${dPid}-`))
        .reduce((n, [, s]) => n + s.size, 0);
      assert.ok(dOwned > KEYS / 12, `the new copy took its share (${dOwned} of ${KEYS} keys)`);

      // Redis goes away: every worker keeps its keys, and says so in the log and in status.
      const beforeOutage = readOwnership(app.dir, deadAt).events.length;
      await redis.stop();
      const live = [copies[0]!, copies[2]!, d];
      for (const copy of live)
        await copy.running.waitFor(/unreachable \(.*\): keeping \d+ keys until it is back/, 10_000);
      await sleep(TTL_MS * 2); // well past every lease
      const during = readOwnership(app.dir, deadAt);
      assert.equal(during.events.length, beforeOutage, 'no key moved while Redis was down');
      const status = await statusJson(app, script, 'a');
      for (const w of status.workers) {
        const keys = w.keys as { owned: number; coordinator: { state: string; lastError: string | null } };
        assert.equal(keys.coordinator.state, 'unreachable', JSON.stringify(w.keys));
        assert.ok(keys.owned > 0);
        assert.match(keys.coordinator.lastError ?? '', /ECONNREFUSED|closed|reset/i);
      }
      const table = run([script, 'status'], {
        cwd: app.dir,
        env: { PID_FILE: join(app.dir, 'a.pid'), LOG_FILE: join(app.dir, 'a.log'), REDIS_URL: 'redis://x' },
      });
      assert.equal((await table.exited(15_000)).code, 0, table.output());
      assert.match(table.output(), /\bkeys\b/, 'a keys column');
      assert.match(table.output(), /\d+\/300 unreachable/);
      assert.match(
        table.output(),
        /bots#0: coordinator redis:\/\/127\.0\.0\.1:\d+ unreachable since \S+ \(.+\), owns \d+ keys/,
      );
      // Back (empty: no persistence): the workers re-register and keep what they have.
      await redis.start();
      for (const copy of live) await copy.running.waitFor(/reachable again/, 15_000);
      await sleep(TTL_MS * 1.5);
      await converged(app, deadAt, 'after Redis came back');
      const after = await statusJson(app, script, 'a');
      for (const w of after.workers) {
        assert.equal((w.keys as { coordinator: { state: string; members: number } }).coordinator.state, 'ok');
        assert.equal((w.keys as { coordinator: { members: number } }).coordinator.members, 6);
      }

      // The whole record: never two owners of one key for longer than the lease TTL.
      const record = readOwnership(app.dir, deadAt);
      const overlap = longestOverlap(record, Date.now());
      console.log(`# longest double ownership: ${overlap.ms} ms (${overlap.key ?? 'none'})`);
      assert.ok(
        overlap.ms <= TTL_MS,
        `key ${overlap.key} owned by two for ${overlap.ms} ms > TTL ${TTL_MS} ms`,
      );

      for (const copy of live) copy.running.child.kill('SIGTERM');
      for (const copy of live) assert.equal((await copy.running.exited(20_000)).code, 0);
      // They left the group on the way out: handed over, not waited out.
      const final = readOwnership(app.dir, deadAt);
      for (const set of final.owned.values())
        assert.equal(set.size, 0, 'every stopping worker released its keys');
    } finally {
      await redis.close();
    }
  },
);

test(
  "whenCoordinatorDown = 'release': Redis down past the lease, every key is dropped; back, re-assigned",
  { skip: skip ?? false },
  async () => {
    const app = useAppDir();
    const script = app.write('app.mjs', coordinatedApp(KEYS));
    const redis = await startRedis();
    try {
      const copy = startCopy(app, script, redis, 'r', { WHEN_DOWN: 'release' });
      await copy.running.waitFor('Start success', 30_000);
      await converged(app, new Map(), 'after the start');
      const stoppedAt = Date.now();
      await redis.stop();
      const releasedLines = () =>
        copy.running.output().match(/lease ended while .* is unreachable: released \d+ keys/g) ?? [];
      await waitFor(() => releasedLines().length >= 2, 'both workers releasing', 10_000);
      const released = readOwnership(app.dir);
      const drops = released.events.filter((e) => e.removed > 0 && e.at >= stoppedAt);
      assert.ok(drops.length >= 2, 'both workers dropped their keys');
      for (const e of drops)
        assert.ok(
          e.at - stoppedAt <= TTL_MS,
          `dropped ${e.at - stoppedAt} ms after the outage began, within the lease`,
        );
      assert.equal(
        ownershipProblems(released, KEYS).unowned.length,
        KEYS,
        'nothing owned while Redis is down',
      );
      await redis.start();
      await converged(app, new Map(), 'after Redis came back');
      copy.running.child.kill('SIGTERM');
      assert.equal((await copy.running.exited(20_000)).code, 0);
    } finally {
      await redis.close();
    }
  },
);
