// A start script for the reload benchmark: BENCH_WORKERS workers, each holding BENCH_FEED_CONNS connections
// to the tick feed at BENCH_FEED_PORT (ticks "t<seq>"). Ready once every connection is open. On stop each
// process reports, per connection, the first and last tick it received and any jump inside the connection,
// to the collector at BENCH_COLLECTOR_PORT (one JSON line).
import net from 'node:net';
import './app-files.js';
import { AsyncTcpConnection, Worker } from '../../src/index.js';

// 32 workers x 313 connections on 2 shared cores can take longer than the default 30 s to be ready.
Worker.readyTimeout = 120;
const worker = new Worker({ name: 'feed', count: Number(process.env.BENCH_WORKERS ?? 4) });
const conns = Number(process.env.BENCH_FEED_CONNS ?? 1000);
const first = new Int32Array(conns).fill(-1);
const last = new Int32Array(conns).fill(-1);
let jumps = 0;

worker.onWorkerStart = () =>
  new Promise<void>((resolve, reject) => {
    let open = 0;
    for (let i = 0; i < conns; i++) {
      const conn = new AsyncTcpConnection<string>(`ws://127.0.0.1:${process.env.BENCH_FEED_PORT}`, {
        proxy: false,
        connectTimeout: 60,
        handshakeTimeout: 60,
      });
      conn.onWebSocketConnect = () => {
        if (++open === conns) resolve();
      };
      conn.onMessage = (_c, data) => {
        const seq = Number(data.slice(1));
        if (first[i] === -1) first[i] = seq;
        else if (seq !== last[i]! + 1) jumps++;
        last[i] = seq;
      };
      conn.onError = (_c, code, message) => reject(new Error(`${code} ${message}`));
      conn.connect();
    }
  });

worker.onWorkerStop = (w) =>
  new Promise<void>((resolve) => {
    if (!process.env.BENCH_COLLECTOR_PORT) return resolve();
    const s = net.connect(Number(process.env.BENCH_COLLECTOR_PORT), '127.0.0.1');
    s.on('error', () => resolve());
    s.end(
      `${JSON.stringify({ id: w.id, pid: process.pid, first: [...first], last: [...last], jumps })}\n`,
      () => resolve(),
    );
  });

Worker.runAll();
