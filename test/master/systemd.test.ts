// systemd notify, against a real AF_UNIX datagram socket bound by the test (a path, and the abstract `@`
// form): READY=1 with MAINPID once every worker is ready, RELOADING=1 + MONOTONIC_USEC then READY=1 around a
// reload, STOPPING=1 on stop, STATUS lines, WATCHDOG=1 at half WATCHDOG_USEC only while healthy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { rmSync, writeFileSync } from 'node:fs';
import { run, useAppDir } from '../helpers/processes.js';
import { bindNotifySocket, type NotifyMessage } from '../helpers/notify-socket.js';
import { startWsServer } from '../helpers/servers.js';

const app = useAppDir();
const script = app.write(
  'app.mjs',
  `import { Worker } from 'workerman-ts';
import { existsSync } from 'node:fs';
const here = (f) => new URL(f, import.meta.url).pathname;
Worker.stopTimeout = 3;
const w = new Worker({ name: 'feed', count: 2 });
w.onWorkerStart = (worker) => {
  if (existsSync(here('broken'))) throw new Error('broken on purpose');
  console.log('worker ' + worker.id + ' NOTIFY_SOCKET=' + process.env.NOTIFY_SOCKET + ' WATCHDOG_USEC=' + process.env.WATCHDOG_USEC);
};
Worker.runAll();
`,
);

const is =
  (key: string, value = '1') =>
  (m: NotifyMessage) =>
    m.fields[key] === value;

function start(notifySocket: string, env: NodeJS.ProcessEnv = {}) {
  return run([script, 'start'], { cwd: dirname(script), env: { NOTIFY_SOCKET: notifySocket, ...env } });
}

test('READY, RELOADING + MONOTONIC_USEC, READY, STOPPING and watchdog pings over a socket path', async () => {
  const socket = await bindNotifySocket(join(tmpdir(), `wmts-notify-${process.pid}-${Date.now()}.sock`));
  // 600 ms watchdog: a ping every 300 ms
  const master = start(socket.address, { WATCHDOG_USEC: '600000' });
  const pid = master.child.pid!;
  const ready = await socket.waitFor(is('READY'));
  assert.equal(ready.message.fields.MAINPID, String(pid), 'READY=1 carries MAINPID');
  assert.equal(ready.message.pid, pid, 'sent with the master pid as credentials (we run as root)');
  assert.equal(ready.message.fields.STATUS, '2/2 workers ready, 0 connections');
  await master.waitFor(/worker 1 NOTIFY_SOCKET=undefined WATCHDOG_USEC=undefined/);
  assert.match(master.output(), /worker 0 NOTIFY_SOCKET=undefined/, 'workers do not inherit NOTIFY_SOCKET');

  const firstPing = await socket.waitFor(is('WATCHDOG'), ready.index);
  const secondPing = await socket.waitFor(is('WATCHDOG'), firstPing.index + 1);
  // A ping every 300 ms; under load the helpers queue up, so only the order and the clock are checked here.
  assert.ok(secondPing.message.receivedUsec > firstPing.message.receivedUsec);

  master.child.kill('SIGUSR1');
  const reloading = await socket.waitFor(is('RELOADING'), secondPing.index);
  const stamp = Number(reloading.message.fields.MONOTONIC_USEC);
  assert.ok(
    Math.abs(reloading.message.receivedUsec - stamp) < 30_000_000, // realtime µs would be ~1.8e15 off
    `MONOTONIC_USEC is CLOCK_MONOTONIC (${stamp} vs receiver ${reloading.message.receivedUsec})`,
  );
  assert.match(reloading.message.fields.STATUS ?? '', /^reloading: /);
  const reloaded = await socket.waitFor(is('READY'), reloading.index);
  assert.match(reloaded.message.fields.STATUS ?? '', /^2\/2 workers ready, 0 connections$/);
  await master.waitFor(/reload done: 2 replaced/);

  master.child.kill('SIGTERM');
  const stopping = await socket.waitFor(is('STOPPING'), reloaded.index);
  assert.match(stopping.message.fields.STATUS ?? '', /^stopping: /);
  assert.deepEqual(await master.exited(), { code: 0, signal: null });
  const after = socket.messages().slice(stopping.index + 1);
  assert.ok(!after.some(is('WATCHDOG')), 'no watchdog ping after STOPPING=1');

  const order = socket
    .messages()
    .map((m) => ['READY', 'RELOADING', 'STOPPING'].find((k) => m.fields[k] === '1'))
    .filter(Boolean);
  assert.deepEqual(order, ['READY', 'RELOADING', 'READY', 'STOPPING']);
  assert.ok(
    socket.messages().every((m) => m.pid === pid),
    'every datagram is attributed to the master',
  );
});

test('the abstract-namespace form (@name), and a reload by the reload verb', async () => {
  const socket = await bindNotifySocket(`@wmts-notify-${process.pid}-${Date.now()}`);
  const master = start(socket.address);
  const ready = await socket.waitFor(is('READY'));
  assert.equal(ready.message.fields.MAINPID, String(master.child.pid));
  const verb = run([script, 'reload'], { cwd: dirname(script) });
  assert.equal((await verb.exited()).code, 0, verb.output());
  const reloading = await socket.waitFor(is('RELOADING'), ready.index);
  await socket.waitFor(is('READY'), reloading.index);
  master.child.kill('SIGTERM');
  await socket.waitFor(is('STOPPING'), reloading.index);
  assert.equal((await master.exited()).code, 0);
  assert.ok(!socket.messages().some(is('WATCHDOG')), 'no WATCHDOG_USEC: no pings');
});

test('the watchdog stops while every slot has failed, and resumes after a reload brings them back', async () => {
  const socket = await bindNotifySocket(`@wmts-notify-wd-${process.pid}-${Date.now()}`);
  const broken = join(dirname(script), 'broken');
  const master = start(socket.address, { WATCHDOG_USEC: '400000' });
  try {
    const ready = await socket.waitFor(is('READY'));
    await socket.waitFor(is('WATCHDOG'), ready.index);
    // Every replacement now fails in onWorkerStart: after 5 tries each slot is marked failed.
    writeFileSync(broken, '');
    for (const line of master.output().matchAll(/worker feed#\d started, pid (\d+)/g)) {
      process.kill(Number(line[1]), 'SIGKILL');
    }
    await master.waitFor(/systemd watchdog: not pinging, every worker slot has failed/, 20_000);
    const failedAt = socket.messages().length;
    await socket.waitFor((m) =>
      /0\/2 workers ready, 2 failed \(feed#0, feed#1\)/.test(m.fields.STATUS ?? ''),
    );
    await new Promise((r) => setTimeout(r, 1000)); // five ping periods
    assert.ok(!socket.messages().slice(failedAt).some(is('WATCHDOG')), 'no ping while every slot failed');

    rmSync(broken);
    const verb = run([script, 'reload'], { cwd: dirname(script) });
    assert.equal((await verb.exited()).code, 0, verb.output());
    await master.waitFor(/systemd watchdog: healthy again, pinging/);
    await socket.waitFor(is('WATCHDOG'), failedAt);
  } finally {
    rmSync(broken, { force: true });
    master.child.kill('SIGTERM');
    await master.exited();
  }
});

test('without systemd-notify on PATH the master says so once and runs on', async () => {
  const socket = await bindNotifySocket(`@wmts-notify-none-${process.pid}-${Date.now()}`);
  const master = start(socket.address, { PATH: '/nonexistent' });
  await master.waitFor(/NOTIFY_SOCKET is set but systemd-notify was not found on PATH/);
  await master.waitFor(/2 workers ready/);
  master.child.kill('SIGTERM');
  assert.equal((await master.exited()).code, 0);
  assert.equal(socket.messages().length, 0);
  assert.equal(master.output().match(/was not found on PATH/g)?.length, 1, 'said once');
});

test('STATUS counts the client connections of every worker (1,200 over two workers)', async () => {
  const server = await startWsServer();
  const feed = app.write(
    'feed.mjs',
    `import { Worker, AsyncTcpConnection } from 'workerman-ts';
Worker.stopTimeout = 3;
const w = new Worker({ name: 'feed', count: 2 });
w.onWorkerStart = () => {
  for (let i = 0; i < 600; i++) new AsyncTcpConnection('${server.url}').connect();
};
Worker.runAll();
`,
  );
  const socket = await bindNotifySocket(`@wmts-notify-conn-${process.pid}-${Date.now()}`);
  const master = run([feed, 'start'], {
    cwd: dirname(feed),
    env: { NOTIFY_SOCKET: socket.address, WATCHDOG_USEC: '1000000' },
  });
  try {
    await socket.waitFor(is('READY'));
    const counted = await socket.waitFor(
      (m) => m.fields.STATUS === '2/2 workers ready, 1,200 connections',
      0,
      30_000,
    );
    assert.ok(counted.index > 0);
  } finally {
    master.child.kill('SIGTERM');
    await master.exited();
    await server.close();
  }
});
