import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run, waitGone, isAlive } from '../helpers/processes.js';

const app = useAppDir();

const script = app.write(
  'app.mjs',
  `import { Worker } from 'workerman-ts';
const w = new Worker({ name: 'feed', count: 2 });
w.onWorkerStart = async (worker) => {
  await new Promise((r) => setTimeout(r, 50));
  console.log('started id=' + worker.id + ' pid=' + process.pid);
};
w.onWorkerStop = (worker) => console.log('stopping id=' + worker.id);
Worker.runAll();
`,
);

test('start runs count workers with ids 0..count-1; SIGTERM stops them all and exits 0', async () => {
  const master = run([script, 'start'], { cwd: app.dir });
  await master.waitFor('Start success');
  const pids = [...master.output().matchAll(/started id=(\d) pid=(\d+)/g)];
  assert.deepEqual(pids.map((m) => m[1]).sort(), ['0', '1']);
  master.child.kill('SIGTERM');
  const { code } = await master.exited();
  assert.equal(code, 0);
  assert.match(master.output(), /stopping id=0/);
  assert.match(master.output(), /stopping id=1/);
  await waitGone(
    pids.map((m) => Number(m[2])),
    3000,
  );
});

test('a worker killed with SIGKILL is replaced in the same slot with the same id', async () => {
  const master = run([script, 'start'], { cwd: app.dir });
  await master.waitFor('Start success');
  const first = master.output().match(/started id=1 pid=(\d+)/);
  assert.ok(first);
  const oldPid = Number(first[1]);
  process.kill(oldPid, 'SIGKILL');
  const replaced = await master.waitFor(new RegExp(`started id=1 pid=(?!${oldPid})(\\d+)`));
  assert.ok(isAlive(Number(replaced[1])));
  assert.match(master.output(), new RegExp(`feed#1 pid ${oldPid} exited: killed by SIGKILL, replacing it`));
  master.child.kill('SIGINT');
  assert.equal((await master.exited()).code, 0);
});

test('no verb prints usage and exits non-zero', async () => {
  const p = run([script], { cwd: app.dir });
  const { code } = await p.exited();
  assert.notEqual(code, 0);
  assert.match(p.output(), /Usage:/);
});

test('an exception in onWorkerStart is logged with name and id, and start fails with a non-zero exit', async () => {
  const bad = app.write(
    'bad.mjs',
    `import { Worker } from 'workerman-ts';
const w = new Worker({ name: 'broken' });
w.onWorkerStart = () => { throw new Error('no config file'); };
Worker.runAll();
`,
  );
  const p = run([bad, 'start'], { cwd: app.dir });
  const { code } = await p.exited(20_000);
  assert.equal(code, 1);
  assert.match(p.output(), /worker broken#0 pid:\d+ onWorkerStart failed: Error: no config file/);
  assert.match(p.output(), /start failed: worker broken#0 failed to start \d+ times in a row/);
  // The daemon too: exit 1 with the reason (the runtime's own stop after the failure is not a user's stop).
  const d = run([bad, 'start', '-d'], { cwd: app.dir });
  assert.equal((await d.exited(30_000)).code, 1, d.output());
  assert.match(
    d.output(),
    /start failed: worker broken#0 failed to start \d+ times in a row: no config file/,
  );
  assert.doesNotMatch(d.output(), /stopped while starting/);
});

test('new Worker("ws://...") explains that ws:// is a client scheme and points to websocket://', async () => {
  const { Worker } = await import('workerman-ts');
  assert.throws(
    () => new Worker('ws://0.0.0.0:8080'),
    /ws:\/\/ is a client scheme \(for new AsyncTcpConnection\(url\)\); a websocket server listens on websocket:\/\/0\.0\.0\.0:8080/,
  );
});

test('a script with no Worker or a bad count fails start with a sentence, exit 1, no stack, no pid file left', async () => {
  const { existsSync } = await import('node:fs');
  const cases = [
    {
      file: 'none.mjs',
      body: '',
      expected: /start failed: .*none\.mjs defines no Worker: create one with new Worker\(\)/,
    },
    {
      file: 'zero.mjs',
      body: "new Worker({ name: 'z', count: 0 });",
      expected: /start failed: Worker "z": count must be a whole number >= 1, got 0/,
    },
    {
      file: 'text.mjs',
      body: "new Worker({ name: 't', count: 'abc' });",
      expected: /start failed: Worker "t": count must be a whole number >= 1, got "abc"/,
    },
  ];
  for (const { file, body, expected } of cases) {
    const path = app.write(file, `import { Worker } from 'workerman-ts';\n${body}\nWorker.runAll();\n`);
    for (const args of [['start'], ['start', '-d']]) {
      const p = run([path, ...args], { cwd: app.dir });
      const { code } = await p.exited(20_000);
      assert.equal(code, 1, `${file} ${args.join(' ')}: ${p.output()}`);
      assert.match(p.output(), expected, `${file} ${args.join(' ')}`);
      assert.doesNotMatch(p.output(), /\n\s+at /, `${file} ${args.join(' ')}: no stack trace`);
      assert.ok(
        !existsSync(`${app.dir}/workerman.${file}.pid`),
        `${file} ${args.join(' ')}: pid file removed`,
      );
    }
  }
});

test('Worker.stopTimeout / readyTimeout / reloadConcurrency out of range: a sentence naming the setting, exit 1, for every verb', async () => {
  const cases = [
    {
      file: 'stop-text.mjs',
      body: "Worker.stopTimeout = '30';",
      expected: /Worker\.stopTimeout must be a number of seconds >= 0, got "30"/,
    },
    {
      file: 'stop-neg.mjs',
      body: 'Worker.stopTimeout = -1;',
      expected: /Worker\.stopTimeout must be a number of seconds >= 0, got -1/,
    },
    {
      file: 'ready-zero.mjs',
      body: 'Worker.readyTimeout = 0;',
      expected: /Worker\.readyTimeout must be a number of seconds > 0, got 0/,
    },
    {
      file: 'reload-half.mjs',
      body: 'Worker.reloadConcurrency = 1.5;',
      expected: /Worker\.reloadConcurrency must be a whole number >= 1, got 1\.5/,
    },
  ];
  for (const { file, body, expected } of cases) {
    const path = app.write(
      file,
      `import { Worker } from 'workerman-ts';\n${body}\nnew Worker({ name: 'w' });\nWorker.runAll();\n`,
    );
    for (const verb of ['start', 'status']) {
      const p = run([path, verb], { cwd: app.dir });
      const { code } = await p.exited(20_000);
      assert.equal(code, 1, `${file} ${verb}: ${p.output()}`);
      assert.match(p.output(), expected, `${file} ${verb}`);
      assert.doesNotMatch(p.output(), /\n\s+at /, `${file} ${verb}: no stack trace`);
    }
  }
});
