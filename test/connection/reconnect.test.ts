// Automatic reconnect with exponential backoff and full jitter; 200 connections through a server restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import type { AddressInfo } from 'node:net';
import { AsyncTcpConnection } from '../../src/connection/index.js';
import { startWsServer } from '../helpers/servers.js';
import { record } from '../helpers/record.js';
import { waitFor, sleep } from '../helpers/wait.js';

after(() => AsyncTcpConnection.closeAll());

test(
  'reconnect policy: retries a refused server with growing delays, attempts and nextRetryAt visible, stops at maxAttempts',
  { timeout: 15000 },
  async () => {
    const srv = await startWsServer();
    const port = srv.port;
    await srv.close();
    const conn = new AsyncTcpConnection(`ws://127.0.0.1:${port}`, {
      reconnect: { initialDelay: 0.02, maxDelay: 0.1, factor: 2, jitter: 'none', maxAttempts: 3 },
    });
    const r = record(conn);
    const retryAt: number[] = [];
    conn.onClose = (c) => {
      r.closes++;
      queueMicrotask(() => retryAt.push(c.info().nextRetryAt ?? -1));
    };
    conn.connect();
    await waitFor(() => r.closes === 4, 'four failed attempts', 5000);
    await sleep(150);
    assert.equal(r.closes, 4);
    assert.equal(conn.reconnectAttempts, 3);
    assert.equal(conn.state, 'closed');
    assert.equal(retryAt.at(-1), -1);
    assert.ok(retryAt.slice(0, 3).every((t) => t > 0));
    assert.equal(AsyncTcpConnection.connections.has(conn), false);
  },
);

test(
  'reconnect policy: a server close is followed by an automatic reconnect; user close() is final',
  { timeout: 15000 },
  async () => {
    const srv = await startWsServer({}, (s) => s.send('hello'));
    const conn = new AsyncTcpConnection(srv.url, { reconnect: { initialDelay: 0.05 } });
    const r = record(conn);
    try {
      conn.connect();
      await waitFor(() => r.messages.length === 1, 'first');
      for (const s of srv.sockets) s.close(1001, 'restart');
      await waitFor(() => r.messages.length === 2, 'after automatic reconnect');
      assert.equal(conn.reconnectAttempts, 1);
      conn.close();
      await waitFor(() => r.closes === 2, 'closed');
      await sleep(150);
      assert.equal(srv.requests.length, 2);
      assert.equal(conn.state, 'closed');
    } finally {
      await srv.close();
    }
  },
);

test(
  '200 connections, server restarts after 0.6 s: reconnects are spread by jitter and all come back',
  { timeout: 30000 },
  async () => {
    const first = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => first.once('listening', r));
    const port = (first.address() as AddressInfo).port;
    const N = 200;
    const conns: AsyncTcpConnection[] = [];
    const reconnectTimes: number[] = [];
    const firstDelays: number[] = [];
    let down = 0;
    try {
      for (let i = 0; i < N; i++) {
        const c = new AsyncTcpConnection(`ws://127.0.0.1:${port}`, {
          reconnect: { initialDelay: 0.5, maxDelay: 2 },
        });
        c.onWebSocketConnect = () => {
          if (down > 0) reconnectTimes.push(performance.now() - down);
        };
        c.onClose = (conn) => {
          if (firstDelays.length < N && conn.reconnectAttempts === 1)
            firstDelays.push((conn.nextRetryAt ?? 0) - Date.now());
        };
        conns.push(c);
        c.connect();
      }
      await waitFor(() => conns.every((c) => c.state === 'open'), 'all open', 15000);
      down = performance.now();
      for (const s of first.clients) s.terminate();
      await new Promise((r) => first.close(r));
      await sleep(600);
      const second = new WebSocketServer({ host: '127.0.0.1', port });
      try {
        await new Promise<void>((r) => second.once('listening', r));
        await waitFor(() => conns.every((c) => c.state === 'open'), 'all back', 20000);
        reconnectTimes.sort((a, b) => a - b);
        const spread = reconnectTimes.at(-1)! - reconnectTimes[0]!;
        // The first retry delays drawn in onClose are spread over [0, 500) ms (full jitter), not one value.
        const delayBuckets = new Set(firstDelays.map((d) => Math.floor(d / 50)));
        assert.equal(firstDelays.length, N);
        assert.ok(delayBuckets.size >= 6, `first delays fall in ${delayBuckets.size} buckets of 50 ms`);
        // Arrivals (load on a shared machine bunches timers a bit): no 100 ms bucket holds half of them.
        const buckets = new Map<number, number>();
        for (const t of reconnectTimes)
          buckets.set(Math.floor(t / 100), (buckets.get(Math.floor(t / 100)) ?? 0) + 1);
        const worst = Math.max(...buckets.values());
        console.log(
          `# 200 reconnects: first ${reconnectTimes[0]!.toFixed(0)} ms, last ${reconnectTimes.at(-1)!.toFixed(0)} ms, spread ${spread.toFixed(0)} ms, busiest 100 ms bucket ${worst}`,
        );
        assert.equal(reconnectTimes.length, N);
        assert.ok(spread > 500, `spread ${spread} ms`);
        assert.ok(worst < N / 2, `busiest bucket ${worst}`);
      } finally {
        for (const c of conns) c.destroy();
        for (const s of second.clients) s.terminate();
        await new Promise((r) => second.close(r));
      }
    } finally {
      for (const c of conns) c.destroy();
    }
  },
);
