// Our side of the server benchmarks: the start script bench/proc/server-host.ts runs with Runtime.start.
// BENCH_SERVER=ws: `new Worker('websocket://...')` echoing every message (a text frame arrives as a
// string and goes back as one); BENCH_SERVER=http: `new Worker('http://...')` answering "Hello World".
// BENCH_WORKERS processes on BENCH_PORT; { benchGc: true } over IPC runs gc() (--expose-gc) and answers
// with heapUsed.
import { Worker } from '../../src/index.js';

const host = `127.0.0.1:${process.env.BENCH_PORT}`;
const count = Number(process.env.BENCH_WORKERS ?? 4);
if (process.env.BENCH_SERVER === 'http') {
  const worker = new Worker(`http://${host}`, { name: 'http', count });
  worker.onMessage = (conn) => {
    conn.send('Hello World');
  };
} else {
  const worker = new Worker(`websocket://${host}`, { name: 'echo', count });
  worker.onMessage = (conn, data) => {
    conn.send(data);
  };
}
process.on('message', (m: { benchGc?: boolean }) => {
  if (!m?.benchGc) return;
  const { gc } = globalThis as { gc?: () => void };
  if (!gc) throw new Error('the server benchmark runs workers with --expose-gc');
  gc();
  process.send?.({ benchGcDone: true, heapUsed: process.memoryUsage().heapUsed });
});
Worker.runAll();
