// The load generator for the server benchmarks: raw `net` sockets on 127.0.0.1 that speak just enough
// websocket and HTTP/1.1 by hand (pre-built handshake, pre-masked frames, pre-built requests, responses
// counted, not parsed), so it costs far less per message than the servers it measures. Both sides of a
// row (ours and the bare baseline) get the same generator. Driven over IPC (bench/lib/procs.ts serve()).
import net from 'node:net';
import { serve } from '../lib/procs.js';
import { wsFrame } from '../lib/wire.js';
import { cpuSeconds, sum } from '../lib/proc-usage.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const handshake = (port: number) =>
  Buffer.from(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
const CRLF2 = Buffer.from('\r\n\r\n');

/** A masked client text frame of `n` bytes ('x' each) and the length of the server's unmasked echo. */
function clientFrame(n: number): { frame: Buffer; echoLength: number } {
  const mask = [0x37, 0xfa, 0x21, 0x3d];
  const head = n < 126 ? [0x81, 0x80 | n] : [0x81, 0x80 | 126, n >> 8, n & 255];
  const payload = Buffer.alloc(n);
  for (let i = 0; i < n; i++) payload[i] = 0x78 ^ mask[i & 3]!;
  return {
    frame: Buffer.concat([Buffer.from(head), Buffer.from(mask), payload]),
    echoLength: wsFrame(1, Buffer.alloc(n)).length,
  };
}

/** Connect and complete a websocket handshake; resolves with the open socket (no listeners left on it). */
function openWs(port: number, request: Buffer): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    let head: Buffer = Buffer.alloc(0);
    const fail = (err: Error) => {
      socket.destroy();
      reject(err);
    };
    socket.once('error', fail);
    socket.once('connect', () => socket.write(request));
    const onData = (chunk: Buffer) => {
      head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
      if (head.indexOf(CRLF2) === -1) return;
      socket.off('data', onData);
      socket.off('error', fail);
      if (head.toString('latin1', 0, 12) !== 'HTTP/1.1 101')
        return fail(new Error(`handshake refused: ${head.toString('latin1', 0, 40)}`));
      socket.on('error', () => {});
      resolve(socket);
    };
    socket.on('data', onData);
  });
}

/** Open `n` websockets with at most `parallel` handshakes in flight. */
async function openMany(port: number, n: number, parallel = 256): Promise<net.Socket[]> {
  const request = handshake(port);
  const out: net.Socket[] = [];
  let next = 0;
  const lane = async () => {
    while (next < n) {
      next++;
      out.push(await openWs(port, request));
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, lane));
  return out;
}

let idle: net.Socket[] = [];

/** A load running until stop(): `count` is how many operations completed so far. */
interface Load {
  count: number;
  /** Operations that failed (accepts: refused, reset, handshake refused), and the first reason. */
  failures?: number;
  firstError?: string;
  stop(): void;
}

/**
 * Let `load` run `warmMs` (fresh server processes are still compiling their hot paths), then count what it
 * completes in the next `ms` (longer if fewer than `atLeast` completed) and how much CPU the processes
 * `pids` used meanwhile; then stop it.
 */
async function measure(load: Load, pids: number[], warmMs: number, ms: number, atLeast = 0) {
  await sleep(warmMs);
  const c0 = load.count;
  const cpu0 = sum(pids, cpuSeconds);
  const t0 = performance.now();
  await sleep(ms);
  // A slow operation (a handshake on a loaded machine) gets up to 20 windows to complete `atLeast`.
  while (load.count - c0 < atLeast && performance.now() - t0 < 20 * ms) await sleep(20);
  const count = load.count - c0;
  const cpu = sum(pids, cpuSeconds) - cpu0;
  const elapsed = performance.now() - t0;
  load.stop();
  return { count, cpu, ms: elapsed, failures: load.failures ?? 0, firstError: load.firstError ?? null };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Echo load on `sockets`: each keeps `window` text frames of `size` bytes in flight (window 1 = one round
 * trip at a time) and sends one more for every echo that comes back.
 */
function echo(sockets: net.Socket[], window: number, size: number): Load {
  const { frame, echoLength } = clientFrame(size);
  const burst = Buffer.concat(Array.from({ length: window }, () => frame));
  let running = true;
  const load: Load = {
    count: 0,
    stop() {
      running = false;
      for (const s of sockets) s.destroy();
    },
  };
  for (const socket of sockets) {
    let pending = 0; // bytes of an echo that arrived split over reads
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.length;
      const done = Math.floor(pending / echoLength);
      if (done === 0) return;
      pending -= done * echoLength;
      load.count += done;
      if (running) socket.write(done === window ? burst : burst.subarray(0, done * frame.length));
    });
    socket.write(burst);
  }
  return load;
}

/**
 * Accept load: `parallel` lanes, each connects, completes the websocket handshake, then closes its end (FIN)
 * and starts the next one.
 */
function accepts(port: number, parallel: number): Load {
  const request = handshake(port);
  let running = true;
  const load: Load = {
    count: 0,
    stop() {
      running = false;
    },
  };
  const lane = async () => {
    while (running) {
      try {
        const socket = await openWs(port, request);
        load.count++;
        socket.end();
      } catch (err) {
        load.failures = (load.failures ?? 0) + 1;
        load.firstError ??= (err as Error).message;
      }
    }
  };
  for (let i = 0; i < parallel; i++) void lane();
  return load;
}

function connectAll(port: number, n: number): Promise<net.Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
          s.setNoDelay(true);
          s.once('error', reject);
        }),
    ),
  );
}

/**
 * HTTP keep-alive load on `sockets`, one GET in flight on each; a response is counted by its status line
 * (the bodies the servers send hold no `HTTP/1.1 `).
 */
function http(sockets: net.Socket[], port: number): Load {
  const request = Buffer.from(`GET /hello HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  const STATUS = Buffer.from('HTTP/1.1 ');
  let running = true;
  const load: Load = {
    count: 0,
    stop() {
      running = false;
      for (const s of sockets) s.destroy();
    },
  };
  for (const socket of sockets) {
    let tail: Buffer = Buffer.alloc(0); // the last bytes of the previous read, for a status line split over reads
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      const data = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
      let seen = 0;
      for (let at = data.indexOf(STATUS); at !== -1; at = data.indexOf(STATUS, at + STATUS.length)) seen++;
      tail = data.subarray(Math.max(0, data.length - (STATUS.length - 1)));
      load.count += seen;
      if (running) for (let i = 0; i < seen; i++) socket.write(request);
    });
    socket.write(request);
  }
  return load;
}

serve(async (msg) => {
  const window = () => measure(load!, msg.pids, msg.warmMs ?? 200, msg.ms, msg.atLeast ?? 0);
  let load: Load | null = null;
  switch (msg.cmd) {
    case 'open': {
      const t0 = performance.now();
      idle = idle.concat(await openMany(msg.port, msg.n));
      return { ms: performance.now() - t0, open: idle.length };
    }
    case 'closeAll':
      for (const s of idle) s.destroy();
      idle = [];
      return {};
    case 'echo':
      load = echo(await openMany(msg.port, msg.conns), msg.window, msg.size ?? 64);
      return window();
    case 'accepts':
      load = accepts(msg.port, msg.parallel);
      return window();
    case 'http':
      load = http(await connectAll(msg.port, msg.conns), msg.port);
      return window();
    default:
      throw new Error(`unknown command ${String(msg.cmd)}`);
  }
});
