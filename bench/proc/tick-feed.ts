// The tick feed of the reload-under-load benchmark: a websocket server on 127.0.0.1 (handshake by hand)
// that sends every ready connection the text frame "t<seq>" for every 10 ms tick, in order, without holes.
// It stands in for a remote feed, so it must not starve the processes it feeds, nor stall their connects:
// - Node accepts one connection per event-loop turn (libuv >= 1.45, libuv/libuv#3696). A fan-out of
//   thousands of writes in one callback makes each turn ~100 ms on a loaded 2-core machine: the old
//   generator accepted 12-20 connections/s, and a replacement's 1,000 connects waited in the accept queue
//   for ~60 s. The fan-out runs in slices with a turn of the loop between them.
// - The ticks follow the wall clock (one per 10 ms however late the timer runs). A connection that is
//   behind (its slice still to come when the next tick is due) gets the ticks it missed in one write, each
//   still its own frame: one write per tick per connection is 400,000 writes/s at 4 x 1,000, more than
//   this process gets of a loaded 2-core machine.
// Driven over IPC (bench/lib/procs.ts serve()).
import net from 'node:net';
import { serve } from '../lib/procs.js';
import { wsFrame, switchingProtocols } from '../lib/wire.js';

interface Peer {
  socket: net.Socket;
  head: string;
  /** Last tick written to this connection (the tick current when its handshake was answered). */
  sent: number;
}

/** Writes per slice of a fan-out (~0.1 ms of a quiet core): one accept per slice, so ~2,000 accepts/s at least. */
const SLICE = 32;
/** BENCH_FEED_ONE_PER_WRITE=1: a peer that is behind gets one write per tick too (the check in docs/perf/reload.md). */
const ONE_PER_WRITE = Boolean(process.env.BENCH_FEED_ONE_PER_WRITE);

let server: net.Server | null = null;
const peers: Peer[] = [];
let seq = 0;
let ticker: NodeJS.Timeout | null = null;
/** Encoded frames of recent ticks, by seq (dropped once every peer has them). */
const frames = new Map<number, Buffer>();
let fanning = false;
export interface FeedStats {
  /** Ticks so far (the clock: one per interval). */
  seq: number;
  peers: number;
  accepted: number;
  handshakes: number;
  /** Passes over every peer (one per tick when the feed keeps up). */
  fanouts: number;
  /** Writes that carried more than one tick (the peer was behind). */
  behind: number;
  /** Ticks the most-behind peer still has to get, now. */
  lag: number;
}

const stats = { accepted: 0, handshakes: 0, fanouts: 0, behind: 0 };

function onConnection(socket: net.Socket): void {
  stats.accepted++;
  socket.setNoDelay(true);
  const peer: Peer = { socket, head: '', sent: -1 };
  socket.on('error', () => {});
  socket.on('close', () => drop(peer));
  socket.on('end', () => drop(peer));
  socket.on('data', (chunk: Buffer) => {
    if (peer.sent >= 0) {
      // A close frame from the client (opcode 8): answer it and end, as a real server does; no more ticks
      // (a write after end would cost an error object per write).
      if ((chunk[0]! & 0x0f) === 8) {
        drop(peer);
        socket.end(CLOSE);
      }
      return;
    }
    peer.head += chunk.toString('latin1');
    const end = peer.head.indexOf('\r\n\r\n');
    if (end === -1) return;
    socket.write(switchingProtocols(peer.head));
    peer.head = '';
    peer.sent = seq; // its first tick is the next one
    stats.handshakes++;
    peers.push(peer);
  });
}

const CLOSE = wsFrame(8, Buffer.from([0x03, 0xe9]));

function drop(peer: Peer): void {
  const i = peers.indexOf(peer);
  if (i !== -1) peers.splice(i, 1);
}

function frame(n: number): Buffer {
  let f = frames.get(n);
  if (!f) frames.set(n, (f = wsFrame(1, Buffer.from(`t${n}`))));
  return f;
}

/** Bring every peer up to the current tick, SLICE writes per turn of the event loop. */
function fanOut(): void {
  if (fanning) return;
  fanning = true;
  stats.fanouts++;
  let i = 0;
  const slice = (): void => {
    const upTo = seq;
    for (const stop = Math.min(i + SLICE, peers.length); i < stop; i++) {
      const p = peers[i]!;
      if (p.sent >= upTo) continue;
      if (upTo - p.sent === 1) p.socket.write(frame(upTo));
      else if (ONE_PER_WRITE) for (let n = p.sent + 1; n <= upTo; n++) p.socket.write(frame(n));
      else {
        stats.behind++;
        const list: Buffer[] = [];
        for (let n = p.sent + 1; n <= upTo; n++) list.push(frame(n));
        p.socket.write(Buffer.concat(list));
      }
      p.sent = upTo;
    }
    if (i < peers.length) return void setImmediate(slice);
    fanning = false;
    let oldest = seq;
    for (const p of peers) oldest = Math.min(oldest, p.sent);
    for (const n of frames.keys()) if (n <= oldest) frames.delete(n);
    // Ticks that came due during this fan-out: the next one starts now (peers at the front are behind).
    if (peers.some((p) => p.sent < seq)) fanOut();
  };
  slice();
}

serve(async (msg) => {
  switch (msg.cmd) {
    case 'listen':
      server = net.createServer(onConnection);
      await new Promise<void>((r) => server!.listen({ host: '127.0.0.1', port: 0, backlog: 4096 }, r));
      return { port: (server.address() as net.AddressInfo).port };
    case 'tick': {
      // The clock is the wall clock, not the count of timer callbacks: a late timer (a busy loop) still
      // makes every tick that came due, as a feed elsewhere would have.
      const interval = Number(msg.intervalMs);
      const start = performance.now();
      ticker = setInterval(() => {
        seq = Math.floor((performance.now() - start) / interval);
        fanOut();
      }, interval);
      return {};
    }
    case 'stats':
      return {
        seq,
        peers: peers.length,
        ...stats,
        lag: peers.reduce((worst, p) => Math.max(worst, seq - p.sent), 0),
      } satisfies FeedStats;
    case 'close':
      if (ticker) clearInterval(ticker);
      for (const p of peers) p.socket.destroy();
      server?.close();
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown command ${String(msg.cmd)}`);
  }
});
