// The measured client process: opens N connections either with our AsyncTcpConnection ("ours") or with
// the library underneath written by hand ("raw": `ws` WebSocket, or a net socket with the framing inline),
// then receives or sends on command. Its own process.cpuUsage() is the figure; the load generator runs
// in another process. Driven over IPC (bench/lib/procs.ts serve()).
import net from 'node:net';
import { WebSocket } from 'ws';
import { AsyncTcpConnection, Ws } from '../../src/connection/index.js';
import { serve } from '../lib/procs.js';

type Mode = 'ours' | 'raw';
type Proto = 'ws' | 'text' | 'frame';

interface Handle {
  send(data: string | Buffer): Promise<void> | void;
  close(): void;
}

const EMPTY = Buffer.alloc(0);
const LIMIT = 1024 * 1024;
let handles: Handle[] = [];
let received = 0;
// Summed so that the handler touches each value as a user's would; not reported.
// eslint-disable-next-line @typescript-eslint/no-unused-vars
let bytes = 0;
let target = Infinity;
let onTarget: (() => void) | null = null;
let doneFrames = 0;
let onDone: (() => void) | null = null;

/** Every inbound message goes through here: what a user's handler does with the value, counted. */
function take(length: number): void {
  bytes += length;
  if (++received === target) onTarget?.();
}

function takeDone(): void {
  doneFrames++;
  onDone?.();
}

// ---- ours ----------------------------------------------------------------------------------------------

/** Attempt times (performance.now()) for the reconnect storm; recorded only while `attemptLog` is set. */
let attemptLog: number[] | null = null;
const ours: AsyncTcpConnection<string | Buffer>[] = [];

/** Our connection with every connect() (first and automatic reconnects) time-stamped while a storm is watched. */
class Watched extends AsyncTcpConnection<string | Buffer> {
  override connect(): void {
    attemptLog?.push(performance.now());
    super.connect();
  }
}

function openOurs(
  proto: Proto,
  port: number,
  binary: boolean,
  options: Record<string, unknown>,
): Promise<Handle> {
  return new Promise((resolve, reject) => {
    const conn = new Watched(`${proto}://127.0.0.1:${port}`, {
      proxy: false,
      websocketType: binary ? Ws.BINARY_TYPE_ARRAYBUFFER : Ws.BINARY_TYPE_BLOB,
      ...options,
    });
    let full = false;
    let drained: (() => void) | null = null;
    conn.onBufferFull = () => {
      full = true;
    };
    conn.onBufferDrain = () => {
      full = false;
      drained?.();
    };
    conn.onMessage = (_c, data) => {
      if (data.length === 4 && data === 'done') takeDone();
      else take(data.length);
    };
    conn.onError = (_c, code, message) => reject(new Error(`${code} ${message}`));
    ours.push(conn);
    const open = () =>
      resolve({
        send(data) {
          conn.send(data);
          if (full) return new Promise<void>((r) => (drained = r));
        },
        close: () => conn.destroy(),
      });
    if (proto === 'ws') conn.onWebSocketConnect = open;
    else conn.onConnect = open;
    conn.connect();
  });
}

// ---- raw ws --------------------------------------------------------------------------------------------

function openRawWs(port: number, binary: boolean, options: Record<string, unknown>): Promise<Handle> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, options);
    const opts = { binary };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      // What a user must do to get the same value as our onMessage: a string for a text frame.
      const value = isBinary ? data : data.toString();
      if (value.length === 4 && value === 'done') takeDone();
      else take(value.length);
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        send(data) {
          if (ws.bufferedAmount < LIMIT) return void ws.send(data, opts);
          return new Promise<void>((r) => ws.send(data, opts, () => r()));
        },
        close: () => ws.terminate(),
      }),
    );
  });
}

// ---- raw net with the framing inline --------------------------------------------------------------------

function openRawStream(proto: Proto, port: number): Promise<Handle> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let pending: Buffer = EMPTY;
    if (proto === 'text') {
      socket.on('data', (chunk: Buffer) => {
        const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let start = 0;
        let i: number;
        while ((i = buf.indexOf(10, start)) !== -1) {
          let end = i;
          if (end > start && buf[end - 1] === 13) end--;
          take(buf.toString('utf8', start, end).length);
          start = i + 1;
        }
        pending = start === buf.length ? EMPTY : buf.subarray(start);
      });
    } else {
      socket.on('data', (chunk: Buffer) => {
        const buf = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
        let start = 0;
        while (buf.length - start >= 4) {
          const total = buf.readUInt32BE(start);
          if (buf.length - start < total) break;
          take(buf.subarray(start + 4, start + total).length);
          start += total;
        }
        pending = start === buf.length ? EMPTY : buf.subarray(start);
      });
    }
    socket.on('error', reject);
    socket.on('connect', () => resolve({ send: (d) => void socket.write(d), close: () => socket.destroy() }));
  });
}

function open(
  mode: Mode,
  proto: Proto,
  port: number,
  binary: boolean,
  options: Record<string, unknown>,
): Promise<Handle> {
  if (mode === 'ours') return openOurs(proto, port, binary, options);
  return proto === 'ws' ? openRawWs(port, binary, options) : openRawStream(proto, port);
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

let stormStart = 0;
let armed: Promise<{ wallMs: number; cpuMs: number; msgs: number }> | null = null;

serve(async (msg) => {
  switch (msg.cmd) {
    case 'open': {
      const t0 = performance.now();
      const list: Promise<Handle>[] = [];
      for (let i = 0; i < msg.n; i++)
        list.push(open(msg.mode, msg.proto, msg.port, msg.binary ?? false, msg.options ?? {}));
      handles = handles.concat(await Promise.all(list));
      return { ms: performance.now() - t0 };
    }
    case 'arm': {
      // Inbound: start the clock, the benchmark then tells the load generator to write `total` messages.
      received = 0;
      bytes = 0;
      target = msg.total;
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      armed = new Promise((resolve) => {
        onTarget = () => {
          onTarget = null;
          target = Infinity;
          resolve({ wallMs: performance.now() - t0, cpuMs: cpuMs(cpu0), msgs: received });
        };
      });
      return {};
    }
    case 'result':
      return (await armed) ?? {};
    case 'send': {
      // Outbound: `count` messages on every connection, honouring backpressure, until the load generator
      // confirms it has every byte (one 'done' frame per connection).
      const data: string | Buffer = msg.binary ? Buffer.alloc(msg.size, 120) : 'x'.repeat(msg.size);
      doneFrames = 0;
      const all = new Promise<void>((r) => {
        onDone = () => {
          if (doneFrames === handles.length) r();
        };
      });
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await Promise.all(
        handles.map(async (h) => {
          for (let i = 0; i < msg.count; i++) {
            const p = h.send(data);
            if (p) await p;
          }
        }),
      );
      await all;
      onDone = null;
      return { wallMs: performance.now() - t0, cpuMs: cpuMs(cpu0), msgs: msg.count * handles.length };
    }
    case 'memory': {
      for (let i = 0; i < 4; i++) {
        globalThis.gc?.();
        await new Promise((r) => setTimeout(r, 20));
      }
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external };
    }
    case 'close':
      for (const h of handles) h.close();
      handles = [];
      ours.length = 0;
      return {};
    case 'watchAttempts':
      attemptLog = [];
      stormStart = performance.now();
      return {};
    case 'waitAllOpen': {
      // Reconnect storm: resolves when every connection is open again; attempt times relative to the drop.
      const deadline = performance.now() + msg.timeoutMs;
      let down = true;
      while (performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
        const open = ours.filter((c) => c.state === 'open').length;
        if (down && open < ours.length) down = false;
        if (!down && open === ours.length) break;
      }
      const times = (attemptLog ?? []).map((t) => t - stormStart);
      attemptLog = null;
      return {
        ms: performance.now() - stormStart,
        open: ours.filter((c) => c.state === 'open').length,
        total: ours.length,
        times,
      };
    }
    default:
      throw new Error(`unknown command ${String(msg.cmd)}`);
  }
});
