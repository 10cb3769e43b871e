// How fast the master answers `status` and `connections` over its control socket, with W workers holding
// C ws connections in total to a local server (the target: 32 workers x 10,000 connections < 200 ms).
//   npm run build && node dist/bench/status-control.js          (defaults: WORKERS=32 CONNECTIONS=10000 RUNS=20)
// Prints p50/p95/max of the control round trip (socket connect + request + JSON reply), measured from a
// client process like the CLI, after the workers are connected and idle.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { controlRequest } from '../src/shared/control/client.js';
import {
  expandConnections,
  type ConnectionsReport,
  type ConnectionsTable,
  type StatusReport,
  type WorkerRows,
} from '../src/master/status/report.js';

const WORKERS = Number(process.env.WORKERS ?? 32);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10000);
const RUNS = Number(process.env.RUNS ?? 20);
const ROOT = resolve(fileURLToPath(new URL('../../', import.meta.url)));

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((values.length * p) / 100))]!;

async function measure<T>(
  pid: number,
  cmd: string,
  args: Record<string, unknown> = {},
  then: (reply: any, parts: unknown[]) => T = (r) => r,
): Promise<{ ms: number[]; last: T; bytes: number }> {
  const ms: number[] = [];
  let last!: T;
  let reply: unknown;
  let parts: unknown[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    parts = [];
    reply = await controlRequest(pid, cmd, args, 10_000, (part) => parts.push(part));
    last = then(reply, parts);
    ms.push(performance.now() - t);
  }
  return { ms, last, bytes: Buffer.byteLength(JSON.stringify([reply, parts])) };
}

/** Where a streamed `connections` round trip goes: socket connect, first byte (the first worker answered), last byte, parsing all lines afterwards (the CLI parses while receiving). */
async function breakdown(pid: number): Promise<void> {
  const { connect } = await import('node:net');
  const { controlSocketPath } = await import('../src/shared/control/socket-path.js');
  const rows: number[][] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const socket = connect(controlSocketPath(pid));
    await new Promise((r) => socket.once('connect', r));
    const t1 = performance.now();
    socket.write(`${JSON.stringify({ id: 1, cmd: 'connections', args: { format: 'stream' } })}\n`);
    const chunks: Buffer[] = [];
    let first = 0;
    // The reply ends with the line that carries "result" (after every "part" line); that line may arrive
    // split over two reads, so the check looks at the end of the previous read too. Bounded: 10 s.
    let previous = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('breakdown: no complete reply within 10 s')), 10_000);
      socket.on('data', (c: Buffer) => {
        if (!first) first = performance.now();
        chunks.push(c);
        const text = previous + c.toString('latin1');
        previous = text.slice(-64);
        if (c[c.length - 1] === 10 && text.lastIndexOf('"part":') < text.lastIndexOf('"result":')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const t3 = performance.now();
    socket.destroy();
    for (const line of Buffer.concat(chunks).toString().split('\n')) if (line) JSON.parse(line);
    const t4 = performance.now();
    rows.push([t1 - t0, first - t1, t3 - first, t4 - t3, t4 - t0]);
  }
  const col = (i: number) => rows.map((r) => r[i]!);
  console.log(
    `breakdown    connect ${fmt(col(0))}\n             gather  ${fmt(col(1))}\n             transfer ${fmt(col(2))}\n             parse   ${fmt(col(3))}\n             total   ${fmt(col(4))}`,
  );
}

// The first request of a kind runs cold code in the master and every worker: shown on its own.
const fmt = (ms: number[]) =>
  `first ${ms[0]!.toFixed(1)} ms, then p50 ${percentile(ms.slice(1), 50).toFixed(1)} ms  p90 ${percentile(ms.slice(1), 90).toFixed(1)} ms  max ${Math.max(...ms.slice(1)).toFixed(1)} ms`;

const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, backlog: 4096 });
await new Promise<void>((r) => wss.once('listening', r));
const port = (wss.address() as AddressInfo).port;

const dir = mkdtempSync(join(tmpdir(), 'wmts-bench-'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(ROOT, join(dir, 'node_modules', 'workerman-ts'), 'dir');
const perWorker = Math.ceil(CONNECTIONS / WORKERS);
writeFileSync(
  join(dir, 'app.mjs'),
  `import { Worker, AsyncTcpConnection } from 'workerman-ts';
Worker.readyTimeout = 300; // 32 workers on a small shared box can take longer than the default 30 s to boot
const w = new Worker({ name: 'bench', count: ${WORKERS} });
w.onWorkerStart = () => {
  for (let i = 0; i < ${perWorker}; i++) {
    const c = new AsyncTcpConnection('ws://127.0.0.1:${port}/feed?token=secret' + i, { reconnect: true });
    c.connect();
  }
};
Worker.runAll();
`,
);
const master = spawn(process.execPath, [join(dir, 'app.mjs'), 'start'], {
  cwd: dir,
  stdio: ['ignore', 'pipe', 'inherit'],
});
const masterExited = new Promise<void>((r) => master.once('exit', () => r()));
let output = '';
const started = Date.now();
try {
  await new Promise<void>((resolveStart, reject) => {
    master.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Start success')) resolveStart();
    });
    void masterExited.then(() => reject(new Error(`master exited:\n${output}`)));
  });
  const pid = Number(readFileSync(join(dir, 'workerman.app.mjs.pid'), 'utf8'));
  const total = perWorker * WORKERS;
  for (let open = 0; open < total;) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = await controlRequest<StatusReport>(pid, 'status', {}, 10_000);
    open = s.workers.reduce((n, w) => n + (w.connectionsOpen ?? 0), 0);
    if (Date.now() - started > 600_000)
      throw new Error(`only ${open} of ${total} connections open after 10 min`);
  }
  console.log(
    `${WORKERS} workers, ${total} connections open in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await new Promise((r) => setTimeout(r, 2000)); // let the handshake load settle
  const status = await measure<StatusReport>(pid, 'status');
  console.log(
    `status       ${fmt(status.ms)}   (${status.last.workers.length} rows, ${status.last.totals.connections} connections, ${status.bytes} bytes)`,
  );
  // What `connections` (table or --json) does: the compact table, expanded into the documented report.
  const inspector = process.env.PROFILE ? await import('node:inspector/promises') : null;
  const session = inspector ? new inspector.Session() : null;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  const connections = await measure<ConnectionsReport>(
    pid,
    'connections',
    { format: 'stream' },
    (t: ConnectionsTable, parts) => expandConnections({ ...t, workers: parts as WorkerRows[] }),
  );
  if (session) {
    const { profile } = (await session.post('Profiler.stop')) as { profile: unknown };
    writeFileSync(process.env.PROFILE!, JSON.stringify(profile));
    session.disconnect();
  }
  const busy = connections.last.busy.length ? `, ${connections.last.busy.length} busy` : '';
  console.log(
    `connections  ${fmt(connections.ms)}   (${connections.last.connections.length} rows${busy}, ${connections.bytes} bytes; CLI path: streamed rows + expand)`,
  );
  if (process.env.BREAKDOWN === '1') await breakdown(pid);
  if (process.env.FULL !== '0') {
    // The documented ConnectionsReport straight over the socket (what an older CLI asks for).
    const full = await measure<ConnectionsReport>(pid, 'connections');
    console.log(
      `connections  ${fmt(full.ms)}   (${full.last.connections.length} rows, ${full.bytes} bytes; full document)`,
    );
  }
} finally {
  if (master.exitCode === null && master.signalCode === null) master.kill('SIGTERM');
  await masterExited; // the master stops its workers before it exits
  for (const client of wss.clients) client.terminate();
  wss.close();
  rmSync(dir, { recursive: true, force: true });
}
