// Accepted connections in status, connections, their --json and /metrics, next to client connections:
// a websocket:// Worker (2 processes) with real ws clients, and a client Worker whose URL carries secrets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { killAll, makeAppDir, run, type Running } from '../helpers/processes.js';
import { refusedPort, startWsServer, type WsServer } from '../helpers/servers.js';
import { wsClient, type WsClient } from '../helpers/example-clients.js';
import type { ConnectionsReport, StatusReport } from '../../src/master/status/report.js';
import { parsePrometheus } from './prometheus.js';

const app = makeAppDir();
let upstream: WsServer;
let master: Running;
let script: string;
let metricsUrl: string;
let port: number;
const clients: WsClient[] = [];

before(async () => {
  upstream = await startWsServer();
  port = await refusedPort();
  script = app.write(
    'app.mjs',
    `import { Worker, AsyncTcpConnection } from 'workerman-ts';
Worker.metricsListen = '127.0.0.1:0';
const echo = new Worker('websocket://127.0.0.1:${port}', { name: 'echo', count: 2 });
echo.onMessage = (conn, data) => conn.send('echo ' + data);
const bot = new Worker({ name: 'bot' });
bot.onWorkerStart = () => new Promise((resolve) => {
  const conn = new AsyncTcpConnection('ws://alice:s3cretpw@127.0.0.1:${upstream.port}/feed?token=tok-SECRET-1');
  conn.onWebSocketConnect = () => resolve();
  conn.connect();
});
Worker.runAll();
`,
  );
  master = run([script, 'start'], { cwd: app.dir });
  await master.waitFor('Start success', 30_000);
  metricsUrl = (await master.waitFor(/metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/))[1]!;
  // Three clients, each sends two messages and gets both echoes (round-robin spreads them over both workers).
  for (let i = 0; i < 3; i++) {
    const c = await wsClient(`ws://127.0.0.1:${port}`);
    c.ws.send(`a${i}`);
    c.ws.send(`b${i}`);
    await c.next(`echo b${i}`);
    clients.push(c);
  }
});

after(async () => {
  await Promise.all(clients.map((c) => c.close()));
  master?.child.kill('SIGTERM');
  await master?.exited(20_000).catch(() => undefined);
  killAll();
  await upstream?.close();
  app.remove();
});

async function cli(...args: string[]): Promise<string> {
  const p = run([script, ...args], { cwd: app.dir });
  const { code } = await p.exited(15_000);
  assert.equal(code, 0, p.output());
  return p.output();
}

const localPort = (ws: WebSocket) => (ws as unknown as { _socket: { localPort: number } })._socket.localPort;

describe('a websocket:// Worker with three clients next to a client Worker', () => {
  test('status --json: per-worker accepted counters, totals.accepted, null for the worker that does not listen', async () => {
    // Pushed counters are up to a second old, but status asks every worker: the figures are fresh.
    const report = JSON.parse(await cli('status', '--json')) as StatusReport;
    const echo = report.workers.filter((w) => w.name === 'echo');
    assert.equal(echo.length, 2);
    const sum = (pick: (s: NonNullable<StatusReport['workers'][number]['server']>) => number) =>
      echo.reduce((n, w) => n + pick(w.server!), 0);
    assert.equal(
      sum((s) => s.connections),
      3,
    );
    assert.equal(
      sum((s) => s.accepted),
      3,
    );
    assert.equal(
      sum((s) => s.messagesIn),
      6,
    );
    assert.equal(
      sum((s) => s.messagesOut),
      6,
    );
    assert.ok(sum((s) => s.bytesIn) > 6 * 8 && sum((s) => s.bytesOut) > 6 * 8);
    assert.equal(
      sum((s) => s.refused),
      0,
    );
    assert.equal(report.totals.accepted, 3);
    const bot = report.workers.find((w) => w.name === 'bot')!;
    assert.equal(bot.server, null);
    assert.equal(bot.connections, 1); // client connections stay where they were
    for (const w of echo) assert.equal(w.connections, 0);
    const table = await cli('status');
    assert.match(table, /accepted/);
    assert.match(table, /accepted 3/);
  });

  test('connections --json: accepted entries with protocol, listen, both addresses, counters and age; the client entry masked', async () => {
    const json = await cli('connections', '--json');
    const report = JSON.parse(json) as ConnectionsReport;
    const accepted = report.connections.filter((c) => c.kind === 'accepted');
    const client = report.connections.filter((c) => c.kind === 'client');
    assert.equal(accepted.length, 3);
    assert.equal(client.length, 1);
    const ports = new Set(clients.map((c) => localPort(c.ws)));
    for (const c of accepted) {
      assert.equal(c.worker.name, 'echo');
      assert.equal(c.protocol, 'websocket');
      assert.equal(c.listen, `websocket://127.0.0.1:${port}`);
      assert.equal(c.url, null);
      assert.equal(c.state, 'open');
      assert.equal(c.localAddress, `127.0.0.1:${port}`);
      const [host, remotePort] = String(c.remoteAddress).split(':');
      assert.equal(host, '127.0.0.1');
      assert.ok(ports.has(Number(remotePort)), `remote ${c.remoteAddress} is one of our clients`);
      assert.equal(c.messagesIn, 2);
      assert.equal(c.messagesOut, 2);
      assert.ok(c.bytesIn > 0 && c.bytesOut > 0);
      assert.ok(
        typeof c.openedAt === 'number' && c.openedAt <= report.time && report.time - c.openedAt < 60_000,
      );
      assert.equal(c.reconnectAttempts, null);
    }
    assert.equal(new Set(accepted.map((c) => c.worker.id)).size, 2, 'both workers accepted some');
    assert.equal(client[0]!.protocol, 'ws');
    assert.equal(client[0]!.listen, null);
    assert.ok(!json.includes('s3cretpw') && !json.includes('tok-SECRET-1'), 'the client URL is masked');
    const table = await cli('connections');
    assert.match(table, /echo#\d +\d+ +\d+ +accepted +websocket +websocket:\/\/127\.0\.0\.1:\d+ +open/);
    assert.match(table, /bot#0 .* client +ws +ws:\/\//);
    assert.ok(!table.includes('s3cretpw') && !table.includes('tok-SECRET-1'));
  });

  test('/metrics: accepted connection gauges and counters per echo worker, none for the client worker', async () => {
    // /metrics reads pushed counters (1 s period): wait until both workers have pushed theirs.
    let samples = parsePrometheus(await (await fetch(`${metricsUrl}/metrics`)).text());
    const total = (name: string) => samples.filter((s) => s.name === name).reduce((n, s) => n + s.value, 0);
    for (let i = 0; i < 30 && total('workerman_worker_accepted_connections') !== 3; i++) {
      await new Promise((r) => setTimeout(r, 100));
      samples = parsePrometheus(await (await fetch(`${metricsUrl}/metrics`)).text());
    }
    assert.equal(total('workerman_worker_accepted_connections'), 3);
    assert.equal(total('workerman_worker_accepted_connections_total'), 3);
    assert.equal(total('workerman_worker_accepted_messages_received_total'), 6);
    assert.equal(total('workerman_worker_accepted_messages_sent_total'), 6);
    const names = new Set(
      samples.filter((s) => s.name === 'workerman_worker_accepted_connections').map((s) => s.labels.name),
    );
    assert.deepEqual([...names], ['echo']);
  });
});
