// The user's own IPC traffic (process.send() in a worker, worker.send() in the master) is not ours, even
// when it looks like ours: only messages with our tag (cmd: 'WORKERMAN_TS') are acted on, and the user's
// messages reach the user's handlers unchanged. Real processes: a host embedding a Runtime, one worker.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run, waitGone } from '../helpers/processes.js';

const app = useAppDir();

app.write(
  'app.mjs',
  `import { Worker } from 'workerman-ts';
const w = new Worker({ name: 'feed', count: 1 });
w.onWorkerStart = () =>
  new Promise((resolve) => {
    process.on('message', (m) => {
      if (m && m.cmd === 'WORKERMAN_TS') return; // ours: the runtime's, not this handler's business
      if (m && m.go) return resolve();
      process.send({ echo: m });
    });
    // Shaped like the runtime's own messages, without its tag: none of them may count.
    process.send({ wm: 'ready' });
    process.send({ wm: 'startFailed', error: 'not really' });
    process.send({ wm: 'stopAll' });
  });
Worker.runAll();
`,
);

test("a user's process.send() shaped like ours is not taken for ours, and reaches the user's handlers unchanged (both directions)", async () => {
  const host = app.write(
    'host.mjs',
    `import cluster from 'node:cluster';
import { Runtime } from 'workerman-ts';
const order = [];
const fromWorker = [];
const perWorker = [];
cluster.on('fork', (worker) =>
  worker.on('message', (m) => { if (m.cmd !== 'WORKERMAN_TS') perWorker.push(m); }),
);
cluster.on('message', (worker, m) => {
  if (m.cmd === 'WORKERMAN_TS') return;
  fromWorker.push(m);
  if (m.wm === 'ready') {
    order.push('fake ready');
    // Were the fake 'ready' taken for the real one, start() would resolve before this 'go'.
    setTimeout(() => { order.push('go'); worker.send({ go: true }); }, 300);
  }
});
const rt = await Runtime.start({ script: './app.mjs', stopTimeout: 5, readyTimeout: 20 });
order.push('started');
const [worker] = Object.values(cluster.workers);
const pid = worker.process.pid;
// Shaped like the master's stop: the worker's own handler echoes it back, and the worker keeps running.
const echoed = new Promise((resolve) =>
  cluster.on('message', (_w, m) => { if (m.echo) resolve(m.echo); }),
);
worker.send({ wm: 'stop', graceful: false, timeoutMs: 0 });
const echo = await echoed;
await new Promise((r) => setTimeout(r, 200));
const result = {
  order,
  fromWorker,
  perWorker,
  echo,
  stopRequested: rt.stopRequested,
  alive: rt.pids.includes(pid),
  state: rt.workers[0].state,
  pid,
};
await rt.stop();
console.log(JSON.stringify(result));
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(30_000);
  assert.equal(code, 0, p.output());
  const out = JSON.parse(p.output().trim().split('\n').pop()!) as {
    order: string[];
    fromWorker: unknown[];
    perWorker: unknown[];
    echo: unknown;
    stopRequested: boolean;
    alive: boolean;
    state: string;
    pid: number;
  };
  const sent = [
    { wm: 'ready' },
    { wm: 'startFailed', error: 'not really' },
    { wm: 'stopAll' },
    { echo: { wm: 'stop', graceful: false, timeoutMs: 0 } },
  ];
  assert.deepEqual(out.order, ['fake ready', 'go', 'started'], 'a fake ready made start() resolve early');
  assert.deepEqual(out.fromWorker, sent, 'cluster.on("message") gets every user message unchanged');
  assert.deepEqual(out.perWorker, sent, 'worker.on("message") gets every user message unchanged');
  assert.deepEqual(out.echo, { wm: 'stop', graceful: false, timeoutMs: 0 });
  assert.equal(out.stopRequested, false, "a user's { wm: 'stopAll' } stopped the runtime");
  assert.equal(out.alive, true, "a user's { wm: 'stop' } stopped the worker");
  assert.equal(out.state, 'ready');
  await waitGone([out.pid]);
});
