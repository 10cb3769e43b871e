// A start script for the reload benchmark: BENCH_WORKERS workers, each holding BENCH_FEED_CONNS connections
// to the tick feed at BENCH_FEED_PORT (ticks "t<seq>"). Ready once every connection is open and, when the
// feed is already ticking (BENCH_FEED_TICKING, set for replacements), has received a tick: make-before-break
// for a feed means the replacement receives it on every connection before the old process stops. On stop each
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
// BENCH_DEBUG: this process's start-up timeline (ms since the process started), printed once ready.
const marks: string[] | null = process.env.BENCH_DEBUG ? [] : null;
const mark = (what: string) => marks?.push(`${what} ${performance.now().toFixed(0)}`);
mark('imported');
let tcp = 0;
const ticking = Boolean(process.env.BENCH_FEED_TICKING);

worker.onWorkerStart = () =>
  new Promise<void>((resolve, reject) => {
    let open = 0;
    let done = 0;
    const settled = () => {
      if (++done !== conns) return;
      if (ticking) mark(`ticked#${done}`);
      const cpu = process.cpuUsage();
      mark(`(cpu so far ${((cpu.user + cpu.system) / 1000).toFixed(0)})`);
      if (marks) console.error(`app-feed ${process.pid} timeline: ${marks.join(', ')}`);
      resolve();
    };
    mark('onWorkerStart');
    for (let i = 0; i < conns; i++) {
      const conn = new AsyncTcpConnection<string>(`ws://127.0.0.1:${process.env.BENCH_FEED_PORT}`, {
        proxy: false,
        connectTimeout: 60,
        handshakeTimeout: 60,
      });
      if (marks)
        conn.onConnect = () => {
          if (++tcp === 1 || tcp === conns) mark(`tcp#${tcp}`);
        };
      conn.onWebSocketConnect = () => {
        if (++open === 1 || open === conns / 2 || open === conns) mark(`open#${open}`);
        if (!ticking) settled();
      };
      conn.onMessage = (_c, data) => {
        const seq = Number(data.slice(1));
        if (first[i] === -1) {
          first[i] = seq;
          if (ticking) settled();
        } else if (seq !== last[i]! + 1) jumps++;
        last[i] = seq;
      };
      conn.onError = (_c, code, message) => reject(new Error(`${code} ${message}`));
      conn.connect();
    }
    mark('connects issued');
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
