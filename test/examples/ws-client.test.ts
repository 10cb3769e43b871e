// The seed example (examples/ws-client.ts, the Workerman manual page ported) run as a real app,
// and the demo the README's quick start runs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, killAll, run, waitGone } from '../helpers/processes.js';
import { startWsServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

const EXAMPLE = join(ROOT, 'dist', 'examples', 'ws-client.js');
after(() => killAll());

test('the manual example: 2 workers connect, send their headers and "hello" as a text frame, print what they receive', async () => {
  const closeCodes: number[] = [];
  const server = await startWsServer({}, (socket) => {
    socket.on('message', () => socket.send('welcome'));
    socket.on('close', (code) => closeCodes.push(code));
  });
  try {
    const app = run([EXAMPLE, 'start'], { env: { WS_URL: server.url } });
    await app.waitFor(/\[worker 0\] recv: welcome/);
    await app.waitFor(/\[worker 1\] recv: welcome/);
    assert.equal(server.requests.length, 2);
    for (const headers of server.requests) {
      assert.equal(headers.cookie, 'PHPSID=82u98fjhakfusuanfnahfi; token=2hf9a929jhfihaf9i');
      assert.equal(headers.otherkey, 'values');
    }
    assert.deepEqual(server.received, [
      { data: 'hello', isBinary: false },
      { data: 'hello', isBinary: false },
    ]);
    const out = app.output();
    assert.match(out, /\[worker 0\] tcp connected/);
    assert.match(out, /\[worker 1\] HTTP\/1\.1 101 Switching Protocols/);
    const pids = [...out.matchAll(/started, pid (\d+)/g)].map((m) => Number(m[1]));
    app.child.kill('SIGTERM');
    assert.equal((await app.exited()).code, 0);
    await waitFor(() => closeCodes.length === 2, 'both connections closed');
    assert.deepEqual(closeCodes, [1001, 1001]); // workers close their connections as "going away"
    await waitGone(pids);
  } finally {
    await server.close();
  }
});

test('npm run demo: server restart, both workers reconnect, everything stops, exit 0 in under 15 s', async () => {
  const started = Date.now();
  const demo = run([join(ROOT, 'dist', 'examples', 'demo.js')]);
  const { code } = await demo.exited(20_000);
  const out = demo.output();
  assert.equal(code, 0, out);
  assert.ok(Date.now() - started < 15_000);
  for (const id of [0, 1]) {
    assert.equal((out.match(new RegExp(`\\[worker ${id}\\] tcp connected`, 'g')) ?? []).length, 2, out);
    assert.match(out, new RegExp(`\\[worker ${id}\\] recv: tick`));
    assert.match(out, new RegExp(`\\[worker ${id}\\] connection closed and try to reconnect`));
  }
  assert.match(out, /HTTP\/1\.1 101 Switching Protocols/);
  assert.match(out, /processes left behind: none/);
});
