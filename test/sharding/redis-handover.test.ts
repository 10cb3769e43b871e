// Handover within one copy on a real redis-server: a rolling reload and a crashed worker's replacement take
// over exactly the keys of the slot they replace (same seed, the newest wins), and a worker frozen past its
// lease (SIGSTOP) drops its keys when it runs again, then gets them back.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ping } from '../master/cli-helpers.js';
import { run, useAppDir, type AppDir } from '../helpers/processes.js';
import { redisUnavailable, startRedis } from '../helpers/redis-server.js';
import { sleep } from '../helpers/wait.js';
import {
  coordinatedApp,
  longestOverlap,
  ownershipProblems,
  readOwnership,
  slotOfKeys,
} from './ownership-log.js';

const KEYS = 200;
const TTL_MS = 2000;
const skip = redisUnavailable();

async function converged(app: AppDir, deadAt: Map<number, number>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const p = ownershipProblems(readOwnership(app.dir, deadAt), KEYS);
    if (p.unowned.length === 0 && p.doubled.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`${what}: ${p.unowned.length} unowned, ${p.doubled.length} doubled`);
    await sleep(50);
  }
}

test(
  'reload, crash and freeze: each slot keeps its keys, handed over within the TTL',
  { skip: skip ?? false },
  async () => {
    const app = useAppDir();
    const script = app.write('app.mjs', coordinatedApp(KEYS));
    const redis = await startRedis();
    const env = {
      PID_FILE: join(app.dir, 'h.pid'),
      LOG_FILE: join(app.dir, 'h.log'),
      REDIS_URL: redis.url,
      LEASE_TTL: String(TTL_MS / 1000),
    };
    try {
      const copy = run([script, 'start'], { cwd: app.dir, env });
      await copy.waitFor('Start success', 30_000);
      const deadAt = new Map<number, number>();
      await converged(app, deadAt, 'after the start');
      const slots = slotOfKeys(readOwnership(app.dir, deadAt));
      assert.equal(slots.size, KEYS);
      assert.equal(new Set(slots.values()).size, 2, 'both slots own keys');

      // A rolling reload: each replacement takes exactly its slot's keys; the old process leaves.
      const reload = run([script, 'reload'], { cwd: app.dir, env });
      assert.equal((await reload.exited(30_000)).code, 0, reload.output());
      await converged(app, deadAt, 'after the reload');
      assert.deepEqual(
        slotOfKeys(readOwnership(app.dir, deadAt)),
        slots,
        'no key changed slot in the reload',
      );

      // A crashed worker: the master replaces it in its slot, and the replacement takes its keys at once.
      const { slots: live } = await ping(copy.child.pid!);
      const victim = live.find((s) => s.id === 0)!.pid!;
      process.kill(victim, 'SIGKILL');
      deadAt.set(victim, Date.now());
      const deadline = Date.now() + 15_000;
      const replaced = async () => {
        const slot = (await ping(copy.child.pid!)).slots.find((s) => s.id === 0);
        return slot?.state === 'ready' && slot.pid !== victim;
      };
      while (!(await replaced())) {
        assert.ok(Date.now() < deadline, 'slot 0 was replaced');
        await sleep(50);
      }
      await converged(app, deadAt, 'after the crash');
      assert.deepEqual(
        slotOfKeys(readOwnership(app.dir, deadAt)),
        slots,
        'no key changed slot after the crash',
      );
      const overlap = longestOverlap(readOwnership(app.dir, deadAt), Date.now());
      assert.ok(overlap.ms <= TTL_MS, `key ${overlap.key} owned by two for ${overlap.ms} ms`);

      // Frozen past the lease: slot 0 takes slot 1's keys; thawed, slot 1 drops them, re-joins, gets them back.
      const frozen = (await ping(copy.child.pid!)).slots.find((s) => s.id === 1)!.pid!;
      process.kill(frozen, 'SIGSTOP');
      await sleep(TTL_MS * 1.6);
      const during = slotOfKeys(readOwnership(app.dir, deadAt));
      process.kill(frozen, 'SIGCONT');
      assert.ok(
        [...during.values()].every((id) => id === 0),
        'slot 0 took over every key while slot 1 was frozen',
      );
      await copy.waitFor(/bots#1 pid:\d+ lease lost \(no renewal for \d+ ms\): dropping \d+ keys/, 10_000);
      await sleep(TTL_MS);
      await converged(app, deadAt, 'after the thaw');
      assert.deepEqual(slotOfKeys(readOwnership(app.dir, deadAt)), slots, 'slot 1 got its keys back');

      copy.child.kill('SIGTERM');
      assert.equal((await copy.exited(20_000)).code, 0);
    } finally {
      await redis.close();
    }
  },
);
