// The ws:// client read path (transport/reads.ts: 256 KiB reads into one landing buffer shared by every
// socket, copied out per read) and the optional bufferutil addon: frames that share a read with the 101,
// frames larger than a read, many kept messages on two sockets at once, and a masked round trip in a
// process with the addon and in one without it (WS_NO_BUFFER_UTIL=1, what `ws` honours).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AsyncTcpConnection } from '../../src/connection/index.js';
import { READ_SIZE } from '../../src/connection/transport/reads.js';
import { frame, startRawWsServer } from '../helpers/servers.js';
import { ROOT } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

after(() => AsyncTcpConnection.closeAll());

/** Message `i` of stream `seed`: its index in the first 4 bytes, then a byte pattern of both. */
function payload(seed: number, i: number, size: number): Buffer {
  const b = Buffer.alloc(size, (seed * 31 + i) & 255);
  b.writeUInt32BE(i, 0);
  return b;
}

/** Sizes that cross every boundary of a read: small, 16 KiB, one byte either side of READ_SIZE, 1 MiB. */
const SIZES = [5, 16384, READ_SIZE - 1, 16384, READ_SIZE + 1, 1 << 20, 70_000, 125, 16384];

/** The frames of one stream: SIZES repeated `rounds` times, each message distinct. */
function stream(seed: number, rounds: number): { frames: Buffer; expected: Buffer[] } {
  const expected: Buffer[] = [];
  for (let r = 0; r < rounds; r++)
    for (const size of SIZES) expected.push(payload(seed, expected.length, size));
  return { frames: Buffer.concat(expected.map((p) => frame(2, p))), expected };
}

function collect(url: string): { conn: AsyncTcpConnection<string | Buffer>; got: (string | Buffer)[] } {
  const conn = new AsyncTcpConnection<string | Buffer>(url, { proxy: false });
  const got: (string | Buffer)[] = [];
  conn.onMessage = (_c, data) => got.push(data);
  conn.connect();
  return { conn, got };
}

test(
  'ws:// frames in the same read as the 101 and frames larger than a read arrive whole and in order',
  { timeout: 20000 },
  async () => {
    const { frames, expected } = stream(1, 3);
    const srv = await startRawWsServer(() =>
      Buffer.concat([frame(1, 'first'), frame(2, Buffer.from([7])), frames]),
    );
    const { conn, got } = collect(`ws://127.0.0.1:${srv.port}`);
    try {
      await waitFor(() => got.length === expected.length + 2, 'every message', 15000);
      assert.equal(got[0], 'first');
      assert.deepEqual(got[1], Buffer.from([7]));
      // Every message was kept until the end: none may share memory with a later read.
      for (let i = 0; i < expected.length; i++)
        assert.ok(expected[i]!.equals(got[i + 2] as Buffer), `message ${i}`);
    } finally {
      conn.destroy();
      await srv.close();
    }
  },
);

test(
  'two ws:// sockets reading at once keep their own bytes (one landing buffer serves both)',
  { timeout: 20000 },
  async () => {
    const a = stream(2, 4);
    const b = stream(3, 4);
    const srvA = await startRawWsServer(() => a.frames);
    const srvB = await startRawWsServer(() => b.frames);
    const ca = collect(`ws://127.0.0.1:${srvA.port}`);
    const cb = collect(`ws://127.0.0.1:${srvB.port}`);
    try {
      await waitFor(
        () => ca.got.length === a.expected.length && cb.got.length === b.expected.length,
        'both streams',
        15000,
      );
      for (let i = 0; i < a.expected.length; i++) {
        assert.ok(a.expected[i]!.equals(ca.got[i] as Buffer), `socket A message ${i}`);
        assert.ok(b.expected[i]!.equals(cb.got[i] as Buffer), `socket B message ${i}`);
      }
    } finally {
      ca.conn.destroy();
      cb.conn.destroy();
      await Promise.all([srvA.close(), srvB.close()]);
    }
  },
);

/**
 * A child process: a `ws` echo server and our connection sending a 16 KiB binary message and a 100 KiB
 * text of multi-byte characters (both masked by `ws`, the binary one through bufferutil when loaded);
 * prints whether both came back equal and whether bufferutil was loaded.
 */
const ROUND_TRIP = `
const { createRequire } = require('node:module');
const req = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
const { WebSocketServer } = req('ws');
(async () => {
  const { AsyncTcpConnection, Ws } = await import(${JSON.stringify(join(ROOT, 'dist/src/index.js'))});
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (s) => s.on('message', (d, isBinary) => s.send(d, { binary: isBinary })));
  const url = 'ws://127.0.0.1:' + wss.address().port;
  const bin = Buffer.alloc(16384);
  for (let i = 0; i < bin.length; i++) bin[i] = (i * 7) & 255;
  const text = 'ü€✓'.repeat(100 * 1024 / 9);
  const echo = (type, data) => new Promise((resolve, reject) => {
    const c = new AsyncTcpConnection(url, { proxy: false, websocketType: type });
    c.onWebSocketConnect = () => c.send(data);
    c.onMessage = (_c, got) => { c.destroy(); resolve(got); };
    c.onError = (_c, code, msg) => reject(new Error(code + ' ' + msg));
    c.connect();
  });
  const gotBin = await echo(Ws.BINARY_TYPE_ARRAYBUFFER, bin);
  const gotText = await echo(Ws.BINARY_TYPE_BLOB, text);
  const loaded = Object.keys(require.cache).some((k) => k.includes('/bufferutil/'));
  console.log(JSON.stringify({ bin: Buffer.isBuffer(gotBin) && gotBin.equals(bin), text: gotText === text, loaded }));
  wss.close();
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
`;

function roundTrip(env: Record<string, string>): Promise<{ bin: boolean; text: boolean; loaded: boolean }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', ROUND_TRIP],
      { cwd: ROOT, env: { ...process.env, ...env }, timeout: 15000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim()) as { bin: boolean; text: boolean; loaded: boolean });
      },
    );
  });
}

/** Whether the optional addon is installed here (npm skips an optional dependency it cannot install). */
function addonInstalled(): boolean {
  try {
    createRequire(join(ROOT, 'package.json'))('bufferutil');
    return true;
  } catch {
    return false;
  }
}

test(
  'masked round trip with bufferutil (when installed) and without it (WS_NO_BUFFER_UTIL=1)',
  { timeout: 40000 },
  async () => {
    const [withAddon, without] = await Promise.all([
      roundTrip({}),
      roundTrip({ WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' }),
    ]);
    assert.deepEqual(withAddon, { bin: true, text: true, loaded: addonInstalled() });
    assert.deepEqual(without, { bin: true, text: true, loaded: false });
  },
);
