// Counters, `connections` and the metrics endpoint with real connections: two workers connect to a local
// ws server that sends a message every 50 ms; the URL and headers carry secrets that must never show.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { killAll, makeAppDir, run, type Running } from '../helpers/processes.js';
import { startWsServer, type WsServer } from '../helpers/servers.js';
import type { ConnectionsReport, StatusReport } from '../../src/master/status/report.js';
import { parsePrometheus } from './prometheus.js';

const SECRETS = ['s3cretpw', 'tok-SECRET-1', 'hdr-SECRET-2', 'cookie-SECRET-3'];

const app = makeAppDir();
let server: WsServer;
let ticker: NodeJS.Timeout;
let master: Running;
let script: string;
let metricsUrl: string;

before(async () => {
  server = await startWsServer();
  ticker = setInterval(() => {
    for (const s of server.sockets) s.send('tick');
  }, 50);
  script = app.write(
    'app.mjs',
    `import { Worker, AsyncTcpConnection } from 'workerman-ts';
Worker.metricsListen = '127.0.0.1:0';
const feed = new Worker({ name: 'feed', count: 2 });
feed.onWorkerStart = () => new Promise((resolve) => {
  const conn = new AsyncTcpConnection('ws://alice:s3cretpw@127.0.0.1:${server.port}/stream?token=tok-SECRET-1&symbol=btc', {
    reconnect: { initialDelay: 0.05, maxDelay: 0.2 },
  });
  conn.headers = { Authorization: 'Bearer hdr-SECRET-2', Cookie: 'sid=cookie-SECRET-3' };
  conn.onWebSocketConnect = () => resolve();
  conn.connect();
});
Worker.runAll();
`,
  );
  master = run([script, 'start'], { cwd: app.dir });
  await master.waitFor('Start success', 30_000);
  metricsUrl = (await master.waitFor(/metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/))[1]!;
});

after(async () => {
  clearInterval(ticker);
  master?.child.kill('SIGTERM');
  await master?.exited(20_000).catch(() => undefined);
  killAll();
  await server?.close();
  app.remove();
});

async function cli(...args: string[]): Promise<string> {
  const p = run([script, ...args], { cwd: app.dir });
  const { code } = await p.exited(15_000);
  assert.equal(code, 0, p.output());
  return p.output();
}
const statusJson = async () => JSON.parse(await cli('status', '--json')) as StatusReport;

describe('with two workers connected to a local server', () => {
  test('message counters move, connections are counted open, last message age is fresh', async () => {
    const first = await statusJson();
    await new Promise((r) => setTimeout(r, 1200));
    const second = await statusJson();
    for (const id of [0, 1]) {
      const a = first.workers.find((w) => w.id === id)!;
      const b = second.workers.find((w) => w.id === id)!;
      assert.equal(b.connections, 1);
      assert.equal(b.connectionsOpen, 1);
      assert.ok(b.messagesIn! > a.messagesIn!, `messagesIn ${a.messagesIn} -> ${b.messagesIn}`);
      assert.ok(b.bytesIn! > a.bytesIn!, `bytesIn ${a.bytesIn} -> ${b.bytesIn}`);
      assert.ok(b.lastMessageAge !== null && b.lastMessageAge < 2.5, `last message age ${b.lastMessageAge}`);
    }
    assert.equal(second.totals.connections, 2);
  });

  test('connections lists every connection with its worker, and no secret appears in the table or --json', async () => {
    const json = await cli('connections', '--json');
    const report = JSON.parse(json) as ConnectionsReport;
    assert.equal(report.connections.length, 2);
    assert.deepEqual(report.busy, []);
    for (const c of report.connections) {
      assert.equal(c.worker.name, 'feed');
      assert.equal(typeof c.worker.pid, 'number');
      assert.equal(c.state, 'open');
      assert.match(String(c.url), /^ws:\/\/.*127\.0\.0\.1:\d+\/stream\?/); // query values masked by the connection layer
      assert.match(String(c.remoteAddress), new RegExp(`127\\.0\\.0\\.1:${server.port}`));
      assert.ok(typeof c.messagesIn === 'number' && c.messagesIn > 0);
    }
    assert.deepEqual(report.connections.map((c) => c.worker.id).sort(), [0, 1]);
    const table = await cli('connections');
    assert.match(table, /feed#0/);
    assert.match(table, /feed#1/);
    for (const secret of SECRETS) {
      assert.ok(!json.includes(secret), `--json leaks ${secret}`);
      assert.ok(!table.includes(secret), `table leaks ${secret}`);
    }
    assert.ok(!(await cli('status', '--json')).includes('SECRET'));
  });

  test('/metrics parses as Prometheus text with per-worker labels; /healthz and /readyz answer', async () => {
    const res = await fetch(`${metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheus(await res.text());
    const value = (name: string, id: string) =>
      samples.find((s) => s.name === name && s.labels.id === id)?.value;
    assert.equal(samples.find((s) => s.name === 'workerman_master_up')?.value, 1);
    for (const id of ['0', '1']) {
      assert.equal(value('workerman_worker_connections', id), 1);
      assert.equal(value('workerman_worker_connections_open', id), 1);
      assert.ok(value('workerman_worker_messages_received_total', id)! > 0);
      assert.ok(value('workerman_worker_resident_memory_bytes', id)! > 1_000_000);
      assert.equal(
        samples.find((s) => s.name === 'workerman_worker_ready' && s.labels.id === id)?.labels.name,
        'feed',
      );
    }
    assert.equal((await fetch(`${metricsUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${metricsUrl}/readyz`)).status, 200);
    assert.equal((await fetch(`${metricsUrl}/readyz?connections=1`)).status, 200);
    assert.equal((await fetch(`${metricsUrl}/nope`)).status, 404);
  });

  test('a dropped connection reconnects and the reconnect shows in the counters; /readyz?connections=1 follows', async () => {
    const before = await statusJson();
    for (const s of server.sockets) s.terminate();
    let after = before;
    for (let i = 0; i < 30; i++) {
      await new Promise((r) => setTimeout(r, 300));
      after = await statusJson();
      if (after.workers.every((w) => w.reconnects! > 0 && w.connectionsOpen === 1)) break;
    }
    for (const w of after.workers) {
      const was = before.workers.find((x) => x.id === w.id)!;
      assert.ok(
        w.reconnects! > was.reconnects!,
        `feed#${w.id} reconnects ${was.reconnects} -> ${w.reconnects}`,
      );
      assert.equal(w.connectionsOpen, 1);
    }
    // Refuse new connections and drop the open ones: the workers stay ready, their connections do not.
    server.wss.options.verifyClient = (_info: unknown, cb: (ok: boolean, code?: number) => void) =>
      cb(false, 503);
    for (const s of server.sockets) s.terminate();
    let status = 200;
    for (let i = 0; i < 30 && status === 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await fetch(`${metricsUrl}/readyz?connections=1`)).status;
    }
    assert.equal(status, 503);
    assert.equal((await fetch(`${metricsUrl}/readyz`)).status, 200);
  });
});
