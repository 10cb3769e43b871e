// The baseline for the server benchmarks, as a cluster worker: a bare `ws` WebSocketServer on a
// `node:http` server (BENCH_SERVER=ws; default options, an echo that does what a user must do to get our
// value: toString() on a text frame) or a bare `node:http` server answering "Hello World"
// (BENCH_SERVER=http), on BENCH_PORT, shared by the cluster. Sends { ready: true } once it listens, and
// answers { benchGc: true } with a gc() (--expose-gc) and its heapUsed so memory rows measure live memory only.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const port = Number(process.env.BENCH_PORT);
let server: http.Server;
if (process.env.BENCH_SERVER === 'http') {
  server = http.createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('Hello World');
  });
} else {
  server = http.createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      ws.send(isBinary ? data : data.toString());
    });
    ws.on('error', () => {});
  });
}
server.listen(port, '127.0.0.1', () => process.send?.({ ready: true }));
process.on('message', (m: { benchGc?: boolean }) => {
  if (!m?.benchGc) return;
  const { gc } = globalThis as { gc?: () => void };
  if (!gc) throw new Error('the server benchmark runs workers with --expose-gc');
  gc();
  process.send?.({ benchGcDone: true, heapUsed: process.memoryUsage().heapUsed });
});
