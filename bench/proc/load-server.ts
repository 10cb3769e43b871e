// The load generator: a plain TCP server on 127.0.0.1 that answers the websocket handshake by hand (or not,
// for text:// and frame://) and then writes pre-built frames, so that it costs far less per message than the
// client it feeds. Driven over IPC by the benchmark (see bench/lib/procs.ts serve()).
import net from 'node:net';
import { serve, sleep } from '../lib/procs.js';
import { message, wsFrame, type Kind, switchingProtocols } from '../lib/wire.js';

interface Peer {
  socket: net.Socket;
  ready: boolean;
  head: string;
  received: number;
}

let server: net.Server | null = null;
let port = 0;
let wsMode = true;
let backlog = 511;
const peers = new Set<Peer>();
let sinkBytes = 0;
let accepted = 0;
let ticker: NodeJS.Timeout | null = null;
const DONE = wsFrame(1, Buffer.from('done'));
const CLOSE = wsFrame(8, Buffer.from([0x03, 0xe9]));

function onConnection(socket: net.Socket): void {
  accepted++;
  socket.setNoDelay(true);
  const peer: Peer = { socket, ready: !wsMode, head: '', received: 0 };
  peers.add(peer);
  socket.on('error', () => {});
  socket.on('close', () => peers.delete(peer));
  socket.on('data', (chunk: Buffer) => {
    if (!peer.ready) {
      peer.head += chunk.toString('latin1');
      const end = peer.head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.write(switchingProtocols(peer.head));
      peer.ready = true;
      peer.head = '';
      return; // clients send nothing before the 101 arrives
    }
    if (sinkBytes === 0) {
      // A close frame from the client (opcode 8): answer it and end, as a real server does.
      if (wsMode && (chunk[0]! & 0x0f) === 8) socket.end(CLOSE);
      return;
    }
    {
      peer.received += chunk.length;
      while (peer.received >= sinkBytes) {
        peer.received -= sinkBytes;
        socket.write(DONE);
      }
    }
  });
}

function listen(onPort: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.createServer({ highWaterMark: 1 << 20 }, onConnection);
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: onPort, backlog }, () => {
      server = s;
      port = (s.address() as net.AddressInfo).port;
      resolve();
    });
  });
}

function closeServer(): Promise<void> {
  const s = server;
  server = null;
  for (const p of peers) p.socket.destroy();
  peers.clear();
  return new Promise((r) => (s ? s.close(() => r()) : r()));
}

/** Write `count` messages of `kind` to one socket, respecting backpressure. */
async function blastOne(
  socket: net.Socket,
  one: Buffer,
  chunk: Buffer,
  perChunk: number,
  count: number,
): Promise<void> {
  let left = count;
  while (left > 0 && !socket.destroyed) {
    const n = Math.min(perChunk, left);
    left -= n;
    const ok = socket.write(n === perChunk ? chunk : chunk.subarray(0, n * one.length));
    if (!ok) {
      await new Promise<void>((r) => {
        const done = () => {
          socket.off('drain', done);
          socket.off('close', done);
          r();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }
}

serve(async (msg) => {
  switch (msg.cmd) {
    case 'listen':
      wsMode = msg.ws !== false;
      backlog = msg.backlog ?? 511;
      await listen(0);
      return { port };
    case 'count':
      return { ready: [...peers].filter((p) => p.ready).length, accepted };
    case 'blast': {
      const one = message(msg.kind as Kind);
      const perChunk = Math.max(1, Math.floor(262144 / one.length));
      const chunk = Buffer.concat(Array.from({ length: perChunk }, () => one));
      await Promise.all(
        [...peers].filter((p) => p.ready).map((p) => blastOne(p.socket, one, chunk, perChunk, msg.perConn)),
      );
      return {};
    }
    case 'sink':
      sinkBytes = msg.bytesPerConn;
      for (const p of peers) p.received = 0;
      return {};
    case 'closeAll':
      for (const p of peers) p.socket.destroy();
      peers.clear();
      return {};
    case 'restart':
      await closeServer();
      await sleep(msg.downMs ?? 0);
      await listen(port);
      return { port };
    case 'tick': {
      if (ticker) clearInterval(ticker);
      let seq = 0;
      ticker = setInterval(() => {
        seq++;
        const frame = wsFrame(1, Buffer.from(`t${seq}`));
        for (const p of peers) if (p.ready) p.socket.write(frame);
      }, msg.intervalMs);
      return {};
    }
    case 'stopTick':
      if (ticker) clearInterval(ticker);
      ticker = null;
      return {};
    case 'close':
      if (ticker) clearInterval(ticker);
      await closeServer();
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown command ${String(msg.cmd)}`);
  }
});
