// Bounded memory under hostile peers, measured: for each peer, the error code a client connection ends with,
// how long it took, and the client process's peak RSS over its RSS before the case. The peers run in this
// process; the measured connection in another (bench/hostile/client.ts). Run: npm run bench:hostile
import net from 'node:net';
import { spawnChild } from '../lib/procs.js';
import { switchingProtocols } from '../lib/wire.js';
import { isMain } from '../lib/stats.js';

function upgrade(s: net.Socket, then: () => void, slow = false): void {
  let head = '';
  s.on('data', function onData(c: Buffer) {
    head += c.toString('latin1');
    if (!head.includes('\r\n\r\n')) return;
    s.off('data', onData);
    const answer = switchingProtocols(head);
    if (!slow) {
      s.write(answer);
      return then();
    }
    let i = 0; // one byte a second
    const t = setInterval(
      () => (s.destroyed || i >= answer.length ? clearInterval(t) : s.write(answer[i++]!)),
      1000,
    );
  });
}

function binaryFrame(n: number): Buffer {
  const head = Buffer.alloc(10);
  head[0] = 0x82;
  head[1] = 127;
  head.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
  head.writeUInt32BE(n >>> 0, 6);
  return Buffer.concat([head, Buffer.alloc(n, 0x61)]);
}

/** Write `chunk` forever (with backpressure) until the socket closes. */
function endless(s: net.Socket, chunk: () => Buffer): void {
  const pump = (): void => {
    while (!s.destroyed && s.write(chunk()));
    if (!s.destroyed) s.once('drain', pump);
  };
  pump();
}

interface Case {
  name: string;
  scheme: string;
  options: Record<string, unknown>;
  peer: (s: net.Socket) => void;
  boundMs: number;
  send?: boolean;
  expect: string;
}

const MAX = 4 << 20;
const CASES: Case[] = [
  {
    name: 'endless stream of maximum-size websocket messages (4 MiB = maxPackageSize) for 15 s',
    scheme: 'ws',
    options: { maxPackageSize: MAX },
    peer: (s) => upgrade(s, () => endless(s, () => binaryFrame(MAX))),
    boundMs: 15_000,
    expect: 'no error: the connection stays up, memory bounded',
  },
  {
    name: 'websocket message one byte over maxPackageSize (4 MiB + 1)',
    scheme: 'ws',
    options: { maxPackageSize: MAX },
    peer: (s) => upgrade(s, () => s.write(binaryFrame(MAX + 1))),
    boundMs: 15_000,
    expect: 'PACKAGE_TOO_LARGE (8) as soon as the header arrives',
  },
  {
    name: 'frame:// header claiming 4 GiB',
    scheme: 'frame',
    options: {},
    peer: (s) => s.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])),
    boundMs: 15_000,
    expect: 'PACKAGE_TOO_LARGE (8) at once',
  },
  {
    name: 'text:// line that never ends (64 KiB writes of "x", default maxPackageSize 10 MiB)',
    scheme: 'text',
    options: {},
    peer: (s) => {
      const x = Buffer.alloc(65536, 0x78);
      endless(s, () => x);
    },
    boundMs: 30_000,
    expect: 'PACKAGE_TOO_LARGE (8) once 10 MiB arrived without a newline',
  },
  {
    name: 'websocket handshake answered at 1 byte per second (default handshakeTimeout 10 s)',
    scheme: 'ws',
    options: {},
    peer: (s) => upgrade(s, () => {}, true),
    boundMs: 30_000,
    expect: 'HANDSHAKE_TIMEOUT (4) at 10 s',
  },
  {
    name: 'peer that never reads while the app sends 64 KiB x 4 every 10 ms for 10 s (maxSendBufferSize 1 MiB)',
    scheme: 'tcp',
    options: {},
    peer: (s) => s.pause(),
    boundMs: 10_000,
    send: true,
    expect:
      'onBufferFull, then send() false + SEND_FAIL (2) on every further send; the connection stays open',
  },
];

export async function runHostile(): Promise<void> {
  const client = spawnChild('hostile/client.js', [], []);
  try {
    for (const c of CASES) {
      const server = net.createServer((s) => {
        s.on('error', () => {});
        c.peer(s);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as net.AddressInfo).port;
      const url = `${c.scheme}://127.0.0.1:${port}`;
      const r = await client.call<{
        code: number | null;
        message: string;
        ms: number;
        messages: number;
        sendFalseAt: number | null;
        sent: number;
        buffered: number;
        baseRss: number;
        peakRss: number;
      }>({ url, options: c.options, boundMs: c.boundMs, send: c.send ?? false }, c.boundMs + 20_000);
      const mb = (b: number): string => (b / 1048576).toFixed(0);
      console.log(
        `${c.name}\n  expected: ${c.expect}\n  got: ${r.code === null ? r.message : `error ${r.code} after ${(r.ms / 1000).toFixed(2)} s: ${r.message}`}` +
          `${r.messages ? `; ${r.messages} messages` : ''}${r.sendFalseAt !== null ? `; first send() false at ${(r.sendFalseAt / 1000).toFixed(2)} s, ${r.sent} accepted` : ''}` +
          `\n  client RSS ${mb(r.baseRss)} MB before, peak ${mb(r.peakRss)} MB (+${mb(r.peakRss - r.baseRss)} MB)`,
      );
      server.close();
      server.unref();
    }
  } finally {
    await client.kill();
  }
}

if (isMain(import.meta.url)) {
  await runHostile();
  process.exit(0);
}
