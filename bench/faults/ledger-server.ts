// The feed for the faults-under-load run: a `ws` server on 127.0.0.1 that writes sequence-numbered text
// frames ("1", "2", ...) to every connection that said hello, and keeps a ledger per accepted socket (one
// connection lifetime): how many messages were flushed to the kernel (counted in the write callback, so a
// write that failed is not counted), and how many sequence-numbered messages the client sent up, with any
// gap or duplicate. Driven over IPC by bench/faults/run.ts (bench/lib/procs.ts serve()).
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { serve, sleep } from '../lib/procs.js';

/** One accepted socket's ledger; `key` is the client's "<pid>.<connection index>.<lifetime>". */
export interface ServerLife {
  key: string;
  pid: number;
  /** Messages flushed to this socket. */
  written: number;
  /** Sequence-numbered messages received from the client, in order (the highest contiguous number). */
  up: number;
  upGaps: number;
  upDups: number;
  closeCode: number;
  /**
   * When the last (up to 16) flushed messages were handed to the socket: right after send() returned (ms,
   * performance.timeOrigin-based,
   * the same clock in every process): a message sent after the client closed its end cannot be delivered
   * and is not a loss; the ledger compares these with the client's close time.
   */
  tail: number[];
}

interface Live extends ServerLife {
  ws: WebSocket;
  sent: number;
  helloAt: number;
  times: Float64Array;
  ack: (err?: Error | null) => void;
}

let wss: WebSocketServer | null = null;
let port = 0;
let intervalMs = 40;
let ticker: NodeJS.Timeout | null = null;
const live = new Set<Live>();
/** Every accepted socket, said hello or not. */
const sockets = new Set<WebSocket>();
const closed: ServerLife[] = [];
let accepted = 0;

function record(l: Live, code: number): ServerLife {
  return {
    key: l.key,
    pid: l.pid,
    written: l.written,
    up: l.up,
    upGaps: l.upGaps,
    upDups: l.upDups,
    closeCode: code,
    tail: Array.from({ length: Math.min(16, l.written) }, (_, k) => l.times[(l.written - k) & 15]!),
  };
}

function onConnection(ws: WebSocket): void {
  accepted++;
  sockets.add(ws);
  const l: Live = {
    key: '',
    pid: 0,
    written: 0,
    up: 0,
    upGaps: 0,
    upDups: 0,
    closeCode: 0,
    tail: [],
    helloAt: 0,
    ws,
    sent: 0,
    times: new Float64Array(16),
    ack: (err) => {
      if (!err) l.written++;
    },
  };
  ws.on('error', () => {});
  ws.on('message', (data: Buffer) => {
    const c = data[0];
    if (c === 0x75 /* u */) {
      const colon = data.indexOf(0x3a);
      const seq = Number(data.toString('latin1', 1, colon === -1 ? data.length : colon));
      if (seq === l.up + 1) l.up = seq;
      else if (seq <= l.up) l.upDups++;
      else {
        l.upGaps += seq - l.up - 1;
        l.up = seq;
      }
    } else if (c === 0x68 /* h */ && l.key === '') {
      l.key = data.toString('latin1', 1);
      l.helloAt = Date.now();
      l.pid = Number(l.key.split('.')[0]);
      live.add(l);
    }
  });
  ws.on('close', (code: number) => {
    sockets.delete(ws);
    if (!live.delete(l)) return; // never said hello: not a lifetime the client counts either
    closed.push(record(l, code));
  });
}

function tick(): void {
  const origin = performance.timeOrigin;
  for (const l of live) {
    if (l.ws.readyState !== 1) continue;
    l.sent++;
    l.ws.send(String(l.sent), l.ack);
    // Taken after send() returned, i.e. after the write to the socket (a tick over 1,000 sockets may be
    // cut by SIGSTOP halfway: a time taken once per tick made the rest look written before the stop).
    l.times[l.sent & 15] = origin + performance.now();
  }
}

function listen(onPort: number, backlog: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = new WebSocketServer({ host: '127.0.0.1', port: onPort, backlog, perMessageDeflate: false });
    s.once('error', reject);
    s.once('listening', () => {
      s.off('error', reject);
      wss = s;
      port = (s.address() as AddressInfo).port;
      s.on('connection', onConnection);
      resolve();
    });
  });
}

/** Lives of `pid` (or of every pid) that are open. */
function openOf(pid?: number, since = 0): Live[] {
  return [...live].filter(
    (l) => l.ws.readyState === 1 && (pid === undefined || l.pid === pid) && l.helloAt >= since,
  );
}

serve(async (msg) => {
  switch (msg.cmd) {
    case 'listen':
      intervalMs = msg.intervalMs ?? intervalMs;
      await listen(msg.port ?? 0, msg.backlog ?? 2048);
      ticker = setInterval(tick, intervalMs);
      return { port, pid: process.pid };
    case 'count': {
      const byPid: Record<number, number> = {};
      for (const l of openOf(undefined, msg.since ?? 0)) byPid[l.pid] = (byPid[l.pid] ?? 0) + 1;
      return { byPid, accepted };
    }
    case 'ledger': // closed lifetimes since the last call
      return { closed: closed.splice(0) };
    case 'burst': {
      // Stop reading the chosen sockets for a while, so that the client's burst fills its send buffer.
      const keys: string[] = [];
      for (const pid of msg.pids as number[]) {
        for (const l of openOf(pid).slice(0, msg.perPid as number)) {
          const socket = (l.ws as unknown as { _socket: import('node:net').Socket })._socket;
          socket.pause();
          setTimeout(() => socket.resume(), msg.pauseMs as number).unref();
          l.ws.send(`!burst ${msg.bytes as number} ${msg.size as number}`);
          keys.push(l.key);
        }
      }
      return { keys };
    }
    case 'block': {
      const l = openOf(msg.pid as number)[0];
      if (!l) throw new Error(`no open connection of pid ${String(msg.pid)}`);
      l.ws.send(`!block ${msg.ms as number}`);
      return { key: l.key };
    }
    case 'mem': {
      const m = process.memoryUsage();
      const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
      return { rss: m.rss, heapUsed: m.heapUsed, handles };
    }
    case 'shutdown': {
      // A graceful restart: stop writing, close every connection with 1012 (service restart), wait for the
      // close handshakes (bounded), report the ledger. The rig then kills the process (an exit here could
      // beat the reply through the IPC channel).
      if (ticker) clearInterval(ticker);
      const stopped = new Promise<void>((r) => (wss ? wss.close(() => r()) : r()));
      for (const ws of sockets) ws.close(1012, 'restart');
      const until = Date.now() + 3000;
      while (sockets.size > 0 && Date.now() < until) await sleep(20);
      for (const ws of sockets) ws.terminate();
      await sleep(50);
      for (const l of [...live]) {
        live.delete(l);
        closed.push(record(l, 1006));
      }
      await stopped;
      return { closed: closed.splice(0) };
    }
    default:
      throw new Error(`unknown command ${String(msg.cmd)}`);
  }
});
