// The start script of the faults-under-load run: LEDGER_WORKERS workers, each holding LEDGER_CONNS
// connections to the ledger server at LEDGER_PORT, with ping/pong liveness and automatic reconnect. Per
// connection lifetime (one open websocket) it counts what onMessage delivered, checks that every message is
// the previous one + 1 (else a gap or a duplicate), and reports the lifetime when it closes, one JSON line to
// the collector at LEDGER_COLLECTOR (the run's ledger). Messages starting with "!" are commands from the
// server: "!block <ms>" blocks the event loop, "!burst <bytes> <size>" sends sequence-numbered messages up
// until `bytes` were attempted (past maxSendBufferSize: some are dropped, and only the accepted ones carry a
// number). Every 500 ms the process also reports its memory and handle count.
import net from 'node:net';
import { AsyncTcpConnection, Worker } from '../../src/index.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);

/** One lifetime's report (short names: thousands of them per run). */
export interface ClientLife {
  /** "<pid>.<connection index>.<lifetime>" */
  k: string;
  /** Messages delivered to onMessage (in order). */
  d: number;
  /** Sequence numbers skipped / seen twice. */
  g: number;
  u: number;
  /** Upstream messages send() accepted (true or null). */
  a: number;
  /** send() calls dropped (false) and SEND_FAIL errors seen. */
  sf: number;
  /** The last error code of the lifetime (0: none), the close code. */
  e: number;
  c: number | null;
  /** When the lifetime closed (ms, performance.timeOrigin-based). */
  t: number;
}

export interface ProcessSample {
  m: { pid: number; rss: number; heapUsed: number; handles: number; lives: number };
}

Worker.readyTimeout = 120;
const worker = new Worker({ name: 'ledger', count: env('LEDGER_WORKERS', 4) });
const conns = env('LEDGER_CONNS', 250);
const url = `ws://127.0.0.1:${process.env.LEDGER_PORT}`;

let reporter: net.Socket | null = null;
let pending: string[] = [];
let livesReported = 0;
const all: AsyncTcpConnection<string>[] = [];

function flush(): void {
  if (reporter === null || reporter.destroyed) return;
  const m = process.memoryUsage();
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  const sample: ProcessSample = {
    m: { pid: process.pid, rss: m.rss, heapUsed: m.heapUsed, handles, lives: livesReported },
  };
  pending.push(JSON.stringify(sample));
  reporter.write(pending.join('\n') + '\n');
  pending = [];
}

function burst(conn: AsyncTcpConnection<string>, i: number, bytes: number, size: number): void {
  const pad = 'x'.repeat(Math.max(0, size - 12));
  for (let sent = 0; sent < bytes; sent += size) {
    const r = conn.send(`u${up[i]! + 1}:${pad}`);
    if (r === false) drops[i]!++;
    else up[i]!++;
  }
}

let life: Int32Array;
let expect: Float64Array;
let gaps: Float64Array;
let dups: Float64Array;
let up: Float64Array;
let drops: Float64Array;
let got: Float64Array;
let lastError: Int32Array;
let refusals: Int32Array;
let keys: string[];

function open(i: number, onFirstOpen: () => void, onFail: (e: Error) => void): void {
  const conn = new AsyncTcpConnection<string>(url, {
    proxy: false,
    websocketPingInterval: env('LEDGER_PING', 1),
    pongTimeout: env('LEDGER_PONG', 3),
    connectTimeout: 60,
    handshakeTimeout: 60,
    maxSendBufferSize: env('LEDGER_SEND_BUFFER', 1 << 20),
    reconnect: { initialDelay: env('LEDGER_RECONNECT', 0.5), maxDelay: 2, resetAfter: 5 },
  });
  let opened = false;
  conn.onWebSocketConnect = () => {
    life[i]!++;
    keys[i] = `${process.pid}.${i}.${life[i]}`;
    expect[i] = 1;
    gaps[i] = dups[i] = up[i] = drops[i] = got[i] = lastError[i] = 0;
    conn.send(`h${keys[i]}`);
    if (!opened) {
      opened = true;
      onFirstOpen();
    }
  };
  conn.onMessage = (_c, data) => {
    if (data.charCodeAt(0) === 33 /* ! */) {
      const [cmd, a, b] = data.slice(1).split(' ');
      if (cmd === 'block') {
        const until = Date.now() + Number(a);
        while (Date.now() < until); // the fault: this worker's event loop is blocked
      } else if (cmd === 'burst') burst(conn, i, Number(a), Number(b));
      return;
    }
    got[i]!++;
    const seq = +data;
    const want = expect[i]!;
    if (seq === want) expect[i] = want + 1;
    else if (seq < want) dups[i]!++;
    else {
      gaps[i]! += seq - want;
      expect[i] = seq + 1;
    }
  };
  conn.onError = (_c, code, message) => {
    // A first attempt that fails (a loaded machine, the server restarting) is retried by the reconnect
    // policy; readyTimeout bounds the start. Only a refused feed that never comes back fails it.
    if (!opened && life[i] === 0 && code === 1 && ++refusals[i]! > 50)
      onFail(new Error(`connection ${i}: ${code} ${message}`));
    if (code === 2) drops[i]!++;
    else lastError[i] = code;
  };
  conn.onClose = (c) => {
    if (keys[i] === '') return; // an attempt that never opened: no lifetime
    const r: ClientLife = {
      k: keys[i]!,
      d: got[i]!,
      g: gaps[i]!,
      u: dups[i]!,
      a: up[i]!,
      sf: drops[i]!,
      e: lastError[i]!,
      c: c.closeCode,
      t: performance.timeOrigin + performance.now(),
    };
    keys[i] = '';
    livesReported++;
    pending.push(JSON.stringify(r));
  };
  all.push(conn);
  conn.connect();
}

worker.onWorkerStart = () =>
  new Promise<void>((resolve, reject) => {
    life = new Int32Array(conns);
    expect = new Float64Array(conns);
    gaps = new Float64Array(conns);
    dups = new Float64Array(conns);
    up = new Float64Array(conns);
    drops = new Float64Array(conns);
    got = new Float64Array(conns);
    lastError = new Int32Array(conns);
    refusals = new Int32Array(conns);
    keys = new Array<string>(conns).fill('');
    reporter = net.connect(Number(process.env.LEDGER_COLLECTOR), '127.0.0.1');
    reporter.on('error', () => {});
    setInterval(flush, 500);
    let opened = 0;
    for (let i = 0; i < conns; i++)
      open(
        i,
        () => {
          if (++opened === conns) resolve();
        },
        reject,
      );
  });

// A stop (reload, the run's end): close every connection ourselves, so that every lifetime is reported
// with what it delivered up to the close, then hand the ledger over before the process exits.
worker.onWorkerStop = () =>
  new Promise<void>((resolve) => {
    for (const c of all) c.close(1001, 'worker stopping');
    const until = Date.now() + 1500;
    const wait = setInterval(() => {
      if (Date.now() < until && all.some((c) => c.state !== 'closed')) return;
      clearInterval(wait);
      flush();
      if (reporter === null) return resolve();
      reporter.end(() => resolve());
    }, 10);
  });

Worker.runAll();
