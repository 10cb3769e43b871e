// Reload of listening workers is make-before-break: a client opening a new connection every 5 ms through a
// whole rolling reload of 4 websocket:// workers (and 2 http:// workers) never sees a refused or reset
// connection. Also: stop closes websockets with 1001, and a reloadable = false listening Worker keeps its process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { useAppDir, run } from '../helpers/processes.js';
import { refusedPort } from '../helpers/servers.js';
import { closed, httpRequest, nextMessage, rawConnect, wsOpen } from '../helpers/clients.js';

const app = useAppDir();

type Outcome = 'ok' | 'refused' | 'reset' | 'closed-early' | 'other';

/** One websocket round trip: open, send, get the echo, close. */
function wsAttempt(port: number): Promise<{ outcome: Outcome; detail: string }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    let done = false;
    const finish = (outcome: Outcome, detail = ''): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (outcome === 'ok') ws.close();
      else ws.terminate();
      resolve({ outcome, detail });
    };
    const timer = setTimeout(() => finish('other', 'no echo within 5 s'), 5000);
    ws.on('open', () => ws.send('ping'));
    ws.on('message', () => finish('ok'));
    ws.on('close', (code) => finish('closed-early', `close ${code}`));
    ws.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? err.message;
      finish(code === 'ECONNREFUSED' ? 'refused' : /ECONNRESET|hang up/.test(code) ? 'reset' : 'other', code);
    });
  });
}

async function httpAttempt(port: number): Promise<{ outcome: Outcome; detail: string }> {
  try {
    const res = await httpRequest(port, { path: '/' });
    return res.status === 200
      ? { outcome: 'ok', detail: '' }
      : { outcome: 'other', detail: `HTTP ${res.status}` };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return {
      outcome: code === 'ECONNREFUSED' ? 'refused' : /ECONNRESET|hang up/.test(code) ? 'reset' : 'other',
      detail: code,
    };
  }
}

/** Starts an attempt every `everyMs` until stopped; returns the tally. */
function loop(attempt: () => Promise<{ outcome: Outcome; detail: string }>, everyMs: number) {
  const tally: Record<Outcome, number> = { ok: 0, refused: 0, reset: 0, 'closed-early': 0, other: 0 };
  const details: string[] = [];
  const pending = new Set<Promise<unknown>>();
  const timer = setInterval(() => {
    const p = attempt().then(({ outcome, detail }) => {
      tally[outcome]++;
      if (outcome !== 'ok') details.push(detail);
      pending.delete(p);
    });
    pending.add(p);
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return { tally, details };
    },
  };
}

test(
  'a client connecting every 5 ms through a whole reload of 4 websocket:// workers sees no refused or reset connection',
  { timeout: 90_000 },
  async () => {
    const wsPort = await refusedPort();
    const httpPort = await refusedPort();
    const script = app.write(
      'reload.mjs',
      `import { Worker } from 'workerman-ts';
const ws = new Worker('websocket://127.0.0.1:${wsPort}', { name: 'ws', count: 4 });
ws.onMessage = (c, data) => c.send(data);
const h = new Worker('http://127.0.0.1:${httpPort}', { name: 'web', count: 2 });
h.onMessage = (c) => c.send('ok ' + process.pid);
Worker.runAll();
`,
    );
    const master = run([script, 'start'], { cwd: app.dir });
    await master.waitFor('Start success', 60_000);
    const wsLoop = loop(() => wsAttempt(wsPort), 5);
    const httpLoop = loop(() => httpAttempt(httpPort), 5);
    await new Promise((r) => setTimeout(r, 300));
    const reload = run([script, 'reload'], { cwd: app.dir });
    const { code } = await reload.exited(60_000);
    assert.equal(code, 0, reload.output());
    assert.match(reload.output(), /6 replaced|replaced.*6|ws#0/);
    await new Promise((r) => setTimeout(r, 300));
    const wsResult = await wsLoop.stop();
    const httpResult = await httpLoop.stop();
    console.log('websocket attempts', wsResult.tally, 'http attempts', httpResult.tally);
    for (const [what, r] of [
      ['websocket', wsResult],
      ['http', httpResult],
    ] as const) {
      assert.equal(r.tally.refused, 0, `${what}: refused: ${r.details.join(', ')}`);
      assert.equal(r.tally.reset, 0, `${what}: reset: ${r.details.join(', ')}`);
      assert.equal(r.tally.other, 0, `${what}: failed: ${r.details.join(', ')}`);
      assert.ok(r.tally.ok > 50, `${what}: only ${r.tally.ok} round trips`);
    }
    // a connection an old worker had accepted just before it stopped is closed cleanly (1001), never dropped
    for (const d of wsResult.details) assert.equal(d, 'close 1001');
    master.child.kill('SIGTERM');
    assert.equal((await master.exited()).code, 0);
  },
);

test(
  'stop closes websockets with 1001; a reloadable = false listening Worker keeps its process on reload',
  { timeout: 60_000 },
  async () => {
    const port = await refusedPort();
    const script = app.write(
      'keep.mjs',
      `import { Worker } from 'workerman-ts';
const ws = new Worker('websocket://127.0.0.1:${port}', { name: 'keep', reloadable: false });
ws.onMessage = (c) => c.send('pid ' + process.pid);
ws.onWorkerReload = () => console.log('onWorkerReload ran in ' + process.pid);
Worker.runAll();
`,
    );
    const master = run([script, 'start'], { cwd: app.dir });
    await master.waitFor('Start success', 60_000);
    const ws = await wsOpen(`ws://127.0.0.1:${port}/`);
    ws.send('x');
    const pid = String(await nextMessage(ws));
    const reload = run([script, 'reload'], { cwd: app.dir });
    assert.equal((await reload.exited(30_000)).code, 0, reload.output());
    await master.waitFor(`onWorkerReload ran in ${pid.slice(4)}`);
    ws.send('y');
    assert.equal(await nextMessage(ws), pid); // same process, same connection
    const bye = closed(ws);
    master.child.kill('SIGTERM');
    assert.deepEqual(await bye, { code: 1001, reason: 'worker stopping' });
    assert.equal((await master.exited()).code, 0);
  },
);

test(
  'stop: the port stops accepting, TCP clients get a FIN, an HTTP request in progress still gets its answer',
  { timeout: 60_000 },
  async () => {
    const tcpPort = await refusedPort();
    const httpPort = await refusedPort();
    const script = app.write(
      'stop.mjs',
      `import { Worker } from 'workerman-ts';
const tcp = new Worker('tcp://127.0.0.1:${tcpPort}', { name: 'tcp' });
tcp.onMessage = (c, d) => c.send(d);
const h = new Worker('http://127.0.0.1:${httpPort}', { name: 'web' });
h.onMessage = (c, req) => {
  console.log('request ' + req.url);
  setTimeout(() => c.send('slow answer'), 600);
};
h.onWorkerStop = () => console.log('web onWorkerStop');
Worker.runAll();
`,
    );
    const master = run([script, 'start'], { cwd: app.dir });
    await master.waitFor('Start success', 60_000);
    const tcp = await rawConnect(tcpPort);
    tcp.socket.write('hi');
    await tcp.waitFor('hi');
    const answer = httpRequest(httpPort, { path: '/slow' });
    await master.waitFor('request /slow');
    master.child.kill('SIGTERM');
    await master.waitFor('web onWorkerStop');
    assert.equal(await tcp.ended(), 'end');
    const res = await answer;
    assert.equal(res.status, 200);
    assert.equal(res.body, 'slow answer');
    assert.equal(res.headers.connection, 'close');
    assert.equal((await master.exited()).code, 0);
    await assert.rejects(rawConnect(tcpPort), /ECONNREFUSED/);
  },
);
