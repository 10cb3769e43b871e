// Static shards across copies of an app: WORKER_SHARD=<i>/3 with count 2 on one machine (three masters, each
// with its own pid file) subscribe 1,000 keys against one local ws server: every key exactly once, by the
// shard rendezvous hashing gives it. And a malformed WORKER_SHARD fails `start` at once with one sentence.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { shardOf } from '../../src/worker/hrw.js';
import { useAppDir, run, type Running } from '../helpers/processes.js';
import { startWsServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const KEYS = 1000;

const APP = `import { Worker, AsyncTcpConnection } from 'workerman-ts';
Worker.pidFile = process.env.PID_FILE;
Worker.logFile = process.env.LOG_FILE;
const keys = Array.from({ length: ${KEYS} }, (_, i) => 'sym-' + i);
const feed = new Worker({ name: 'feed', count: 2, keys });
let conn;
feed.onWorkerStart = () =>
  new Promise((resolve) => {
    conn = new AsyncTcpConnection(process.env.SERVER_URL);
    conn.onWebSocketConnect = () => resolve();
    conn.connect();
  });
feed.onKeysAssigned = (worker, added, removed) => {
  conn.send(JSON.stringify({ shard: worker.shard, added, removed, owns: added.every((k) => worker.ownsKey(k)) }));
};
Worker.runAll();
`;

test('3 copies x count 2 with WORKER_SHARD=0/3..2/3 subscribe 1,000 keys: each exactly once', async () => {
  const app = useAppDir();
  const script = app.write('app.mjs', APP);
  const server = await startWsServer();
  const copies: Running[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      copies.push(
        run([script, 'start'], {
          cwd: app.dir,
          env: {
            WORKER_SHARD: `${i}/3`,
            PID_FILE: join(app.dir, `copy${i}.pid`),
            LOG_FILE: join(app.dir, `copy${i}.log`),
            SERVER_URL: server.url,
          },
        }),
      );
    }
    for (const copy of copies) await copy.waitFor('Start success', 30_000);
    const count = () =>
      server.received.reduce((n, m) => n + (JSON.parse(m.data) as { added: string[] }).added.length, 0);
    await waitFor(() => count() >= KEYS, '1,000 subscriptions', 20_000);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate would arrive by now
    const owners = new Map<string, number[]>();
    const shards = new Set<number>();
    for (const m of server.received) {
      const msg = JSON.parse(m.data) as {
        shard: { index: number; total: number };
        added: string[];
        owns: boolean;
      };
      assert.equal(msg.shard.total, 6, 'total = 3 hosts x count 2');
      assert.ok(msg.owns, 'ownsKey() agrees with the assignment');
      shards.add(msg.shard.index);
      for (const key of msg.added) owners.set(key, [...(owners.get(key) ?? []), msg.shard.index]);
    }
    assert.equal(owners.size, KEYS, 'every key subscribed');
    for (const [key, by] of owners) {
      assert.equal(by.length, 1, `${key} subscribed once, got shards ${by.join(',')}`);
      assert.equal(by[0], shardOf(key, 6), `${key} by the shard that rendezvous hashing gives it`);
    }
    assert.deepEqual([...shards].sort(), [0, 1, 2, 3, 4, 5], 'every one of the 6 shards owns keys');
    for (const copy of copies) copy.child.kill('SIGTERM');
    for (const copy of copies) assert.equal((await copy.exited(20_000)).code, 0);
  } finally {
    await server.close();
  }
});

test('a malformed WORKER_SHARD or ordinal fails start at once with one sentence naming it', async () => {
  const app = useAppDir();
  const script = app.write('app.mjs', APP);
  const cases: [NodeJS.ProcessEnv, RegExp][] = [
    [
      { WORKER_SHARD: 'two' },
      /start failed: WORKER_SHARD must be <index>\/<total> with whole numbers \(e\.g\. 0\/3\), got "two"$/m,
    ],
    [
      { WORKER_SHARD: '3/3' },
      /start failed: WORKER_SHARD=3\/3: the index must be below the total \(0\.\.2\)$/m,
    ],
    [{ WORKER_SHARD: '1/0' }, /start failed: WORKER_SHARD=1\/0: the total must be at least 1$/m],
    [
      { WORKER_SHARDS: '3', HOSTNAME: 'bots' },
      /start failed: WORKER_SHARDS=3 needs a host name ending in -<ordinal>/m,
    ],
    [
      { WORKER_SHARDS: '3', HOSTNAME: 'bots-3' },
      /start failed: host bots-3: ordinal 3 is not below WORKER_SHARDS=3/m,
    ],
  ];
  await Promise.all(
    cases.map(async ([env, expected], i) => {
      const p = run([script, 'start'], {
        cwd: app.dir,
        env: {
          ...env,
          PID_FILE: join(app.dir, `bad${i}.pid`),
          LOG_FILE: join(app.dir, `bad${i}.log`),
          SERVER_URL: 'ws://127.0.0.1:1',
        },
      });
      const { code } = await p.exited(20_000);
      assert.equal(code, 1, p.output());
      assert.match(p.output(), expected);
      assert.equal(
        p.output().match(/start failed/g)?.length,
        2,
        'one sentence (in the log line and on stderr)',
      );
      assert.doesNotMatch(p.output(), /worker feed#\d started/, 'no worker was forked');
    }),
  );
});
