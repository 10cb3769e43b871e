// User callbacks inside a real worker: exceptions are logged with the worker's name and id and the
// master replaces the worker; a refused connection reaches onError and the worker keeps running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run } from '../helpers/processes.js';
import { refusedPort, startWsServer } from '../helpers/servers.js';

const app = useAppDir();

test('an exception in onMessage is logged with name and id; the master replaces the worker in the same slot', async () => {
  const server = await startWsServer({}, (socket) => socket.send('boom'));
  try {
    const script = app.write(
      'throwing.mjs',
      `import { Worker, AsyncTcpConnection } from 'workerman-ts';
const w = new Worker({ name: 'bot' });
w.onWorkerStart = (worker) => {
  console.log('worker up id=' + worker.id + ' pid=' + process.pid);
  const c = new AsyncTcpConnection(process.env.WS_URL);
  c.onMessage = (conn, data) => { throw new Error('cannot handle ' + data); };
  c.connect();
};
Worker.runAll();
`,
    );
    const app1 = run([script, 'start'], { cwd: app.dir, env: { WS_URL: server.url } });
    const first = await app1.waitFor(/worker up id=0 pid=(\d+)/);
    await app1.waitFor(/worker bot#0 pid:\d+ uncaught exception: Error: cannot handle boom/);
    await app1.waitFor(
      new RegExp(`bot#0 pid ${first[1]} exited: exit code 250 \\(uncaught exception\\), replacing it`),
    );
    await app1.waitFor(new RegExp(`worker up id=0 pid=(?!${first[1]})\\d+`));
    app1.child.kill('SIGTERM');
    assert.equal((await app1.exited()).code, 0);
  } finally {
    await server.close();
  }
});

test('a refused connection reaches onError (host and port in the message), then onClose; the worker keeps running', async () => {
  const port = await refusedPort();
  const script = app.write(
    'refused.mjs',
    `import { Worker, AsyncTcpConnection, Timer } from 'workerman-ts';
const w = new Worker({ name: 'bot' });
w.onWorkerStart = () => {
  const c = new AsyncTcpConnection('ws://127.0.0.1:${port}/feed');
  c.onError = (conn, code, msg) => console.log('onError ' + code + ' ' + msg);
  c.onClose = () => console.log('onClose');
  c.connect();
  Timer.add(0.05, () => console.log('still alive'), [], false);
};
Worker.runAll();
`,
  );
  const p = run([script, 'start'], { cwd: app.dir });
  await p.waitFor(/onError 1 .*127\.0\.0\.1:\d+.*refused/);
  await p.waitFor(/onError[^\n]*\n(?:[^\n]*\n)*?onClose/);
  await p.waitFor('still alive');
  assert.doesNotMatch(p.output(), /exited/);
  p.child.kill('SIGINT');
  assert.equal((await p.exited()).code, 0);
});
