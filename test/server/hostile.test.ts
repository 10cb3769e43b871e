// Bad input to servers, each from a raw `net` client: it ends that one connection with a clear onError
// code, never the worker (the same process answers afterwards), and the worker's memory stays bounded.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useAppDir, run, type Running } from '../helpers/processes.js';
import { frame, refusedPort } from '../helpers/servers.js';
import { rawConnect, type RawClient } from '../helpers/clients.js';
import { sleep } from '../helpers/wait.js';

const app = useAppDir();
let p: Running;
const ports: Record<string, number> = {};
const HANDSHAKE =
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

before(async () => {
  for (const k of ['ws', 'http', 'text', 'frame', 'tcp', 'slow', 'slowloris']) ports[k] = await refusedPort();
  const script = app.write(
    'hostile.mjs',
    `import { Worker, Timer } from 'workerman-ts';
const report = (w) => {
  w.onError = (c, code, msg) => console.log('ERR ' + w.name + ' ' + code + ' ' + msg);
  w.onClose = (c) => console.log('CLOSE ' + w.name + ' ' + c.id);
  w.onWorkerStart = () => console.log('UP ' + w.name + ' ' + process.pid);
};
const ws = new Worker('websocket://127.0.0.1:${ports.ws}', { name: 'ws', maxPackageSize: 65536 });
ws.onMessage = (c, d) => c.send('pid ' + process.pid);
report(ws);
const h = new Worker('http://127.0.0.1:${ports.http}', { name: 'http', maxPackageSize: 1000 });
h.onMessage = (c, req) => c.send('pid ' + process.pid + ' ' + req.body.length);
report(h);
const text = new Worker('text://127.0.0.1:${ports.text}', { name: 'text', maxPackageSize: 1024 });
text.onMessage = (c, line) => c.send('pid ' + process.pid);
report(text);
const fr = new Worker('frame://127.0.0.1:${ports.frame}', { name: 'frame', maxPackageSize: 1024 });
fr.onMessage = (c) => c.send('pid ' + process.pid);
report(fr);
const tcp = new Worker('tcp://127.0.0.1:${ports.tcp}', { name: 'tcp', maxConnections: 20 });
tcp.onMessage = (c) => c.send('pid ' + process.pid + ' open ' + tcp.connections.size);
report(tcp);
const loris = new Worker('websocket://127.0.0.1:${ports.slowloris}', { name: 'loris', handshakeTimeout: 1 });
report(loris);
const slow = new Worker('websocket://127.0.0.1:${ports.slow}', { name: 'slow', maxSendBufferSize: 256 * 1024 });
report(slow);
const chunk = 'x'.repeat(64 * 1024);
slow.onConnect = (c) => {
  let sent = 0;
  const t = Timer.add(0.01, () => {
    for (let i = 0; i < 16; i++) {
      const r = c.send(chunk);
      if (r === false) {
        console.log('SLOW send false after ' + sent + ' buffered ' + c.bufferedAmount);
        Timer.del(t);
        return;
      }
      if (r === true) sent++;
    }
  });
};
slow.onBufferFull = (c) => console.log('SLOW onBufferFull buffered ' + c.bufferedAmount);
slow.onBufferDrain = (c) => console.log('SLOW onBufferDrain buffered ' + c.bufferedAmount);
Worker.runAll();
`,
  );
  p = run([script, 'start'], { cwd: app.dir });
  await p.waitFor('Start success', 60_000);
});

after(async () => {
  if (!p) return;
  p.child.kill('SIGTERM');
  await p.exited();
});

function pidOf(name: string): number {
  return Number(new RegExp(`UP ${name} (\\d+)`).exec(p.output())![1]);
}

function rssMiB(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
  return Number(kb) / 1024;
}

/** The worker still answers a well-behaved client, from the same process, and stayed small. */
async function stillServes(
  name: string,
  client: () => Promise<RawClient>,
  hello: string | Buffer,
): Promise<void> {
  const c = await client();
  c.socket.write(hello);
  await c.waitFor(`pid ${pidOf(name)}`);
  c.socket.destroy();
  assert.ok(rssMiB(pidOf(name)) < 200, `${name} worker RSS ${rssMiB(pidOf(name))} MiB`);
}

test('websocket://: a frame header announcing 2 GiB -> PACKAGE_TOO_LARGE (close 1009), worker fine', async () => {
  const c = await rawConnect(ports.ws!);
  c.socket.write(HANDSHAKE);
  await c.waitFor('101 Switching Protocols');
  c.socket.write(frame(2, Buffer.alloc(16), { mask: true, length: 2 ** 31 }).subarray(0, 14));
  assert.notEqual(await c.ended(), 'timeout');
  await p.waitFor(
    /ERR ws 8 package from 127\.0\.0\.1:\d+ too large: Max payload size exceeded \(maxPackageSize 65536 bytes\)/,
  );
  const ws = await rawConnect(ports.ws!);
  ws.socket.write(HANDSHAKE);
  await ws.waitFor('101');
  ws.socket.write(frame(1, 'hi', { mask: true }));
  await ws.waitFor(`pid ${pidOf('ws')}`);
  ws.socket.destroy();
});

test('websocket://: an invalid handshake (no key) -> 400 and PROTOCOL_ERROR; garbage instead of HTTP -> 400', async () => {
  const c = await rawConnect(ports.ws!);
  c.socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
  await c.waitFor('HTTP/1.1 400 Bad Request');
  await c.ended();
  await p.waitFor(
    /ERR ws 7 protocol error from 127\.0\.0\.1:\d+: invalid websocket handshake: missing or invalid Sec-WebSocket-Key header/,
  );
  const g = await rawConnect(ports.ws!);
  g.socket.write('\x00\x01\x02 garbage\r\n\r\n');
  await g.waitFor('HTTP/1.1 400');
  await g.ended();
  await p.waitFor(/ERR ws 7 protocol error from 127\.0\.0\.1:\d+: bad HTTP request: .*HPE_/);
  const ok = await rawConnect(ports.ws!);
  ok.socket.write(HANDSHAKE);
  await ok.waitFor('101');
  ok.socket.destroy();
});

test('http://: a body over maxPackageSize (announced, or chunked) -> 413 and PACKAGE_TOO_LARGE, worker fine', async () => {
  const c = await rawConnect(ports.http!);
  c.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n');
  await c.waitFor('HTTP/1.1 413');
  await c.ended();
  await p.waitFor(
    /ERR http 8 package from 127\.0\.0\.1:\d+ too large: HTTP request body of 10000000 bytes \(maxPackageSize 1000\)/,
  );
  const d = await rawConnect(ports.http!);
  d.socket.write('POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
  for (let i = 0; i < 5; i++) d.socket.write(`1f4\r\n${'y'.repeat(500)}\r\n`);
  await d.waitFor('HTTP/1.1 413');
  await d.ended();
  await p.waitFor(/ERR http 8 .*HTTP request body of more than 1000 bytes/);
  await stillServes(
    'http',
    () => rawConnect(ports.http!),
    'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc',
  );
});

test('text://: a line that never ends -> PACKAGE_TOO_LARGE after maxPackageSize bytes, worker fine', async () => {
  const c = await rawConnect(ports.text!);
  for (let i = 0; i < 100; i++) c.socket.write('z'.repeat(100));
  await c.ended();
  await p.waitFor(
    /ERR text 8 package from 127\.0\.0\.1:\d+ too large: \d+ bytes without a complete package \(maxPackageSize 1024\)/,
  );
  await stillServes('text', () => rawConnect(ports.text!), 'hello\n');
});

test('frame://: a header claiming 4 GiB -> PACKAGE_TOO_LARGE at once, nothing allocated, worker fine', async () => {
  const c = await rawConnect(ports.frame!);
  c.socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
  await c.ended();
  await p.waitFor(
    /ERR frame 8 package from 127\.0\.0\.1:\d+ too large: package of 4294967295 bytes \(maxPackageSize 1024\)/,
  );
  const ok = Buffer.alloc(6);
  ok.writeUInt32BE(6, 0);
  await stillServes('frame', () => rawConnect(ports.frame!), ok);
});

test('a flood of connections beyond maxConnections: the extra ones are refused with CONNECTION_LIMIT, the worker keeps serving', async () => {
  const clients = await Promise.all(Array.from({ length: 50 }, () => rawConnect(ports.tcp!)));
  const refused =
    /ERR tcp 12 connection from 127\.0\.0\.1:\d+ refused: 20 connections open \(maxConnections 20\)/g;
  const deadline = Date.now() + 10_000;
  while ((p.output().match(refused) ?? []).length < 30 && Date.now() < deadline) await sleep(20);
  assert.equal((p.output().match(refused) ?? []).length, 30);
  // which 30 were refused depends on the order the server accepted them in, not on the order of connect()
  while (clients.filter((c) => c.endedHow() !== null).length < 30 && Date.now() < deadline) await sleep(20);
  const open = clients.filter((c) => c.endedHow() === null);
  assert.equal(open.length, 20);
  open[0]!.socket.write('x');
  await open[0]!.waitFor(`pid ${pidOf('tcp')} open 20`);
  for (const c of clients) c.socket.destroy();
  await stillServes('tcp', () => rawConnect(ports.tcp!), 'x');
});

test('a client that never reads: onBufferFull, then send() false with SEND_FAIL; the send buffer stays bounded', async () => {
  const c = await rawConnect(ports.slow!);
  c.socket.write(HANDSHAKE);
  await c.waitFor('101');
  c.socket.pause(); // never read again: the kernel buffers fill, then ours
  const full = await p.waitFor(/SLOW onBufferFull buffered (\d+)/, 20_000);
  assert.ok(Number(full[1]) >= 256 * 1024);
  const dropped = await p.waitFor(/SLOW send false after \d+ buffered (\d+)/, 20_000);
  assert.ok(Number(dropped[1]) < 256 * 1024 + 2 * 65 * 1024, `buffered ${dropped[1]}`);
  await p.waitFor(
    /ERR slow 2 send to 127\.0\.0\.1:\d+ dropped: send buffer full \(maxSendBufferSize 262144 bytes\)/,
  );
  c.socket.destroy();
  assert.ok(rssMiB(pidOf('slow')) < 200);
});

test('a request head that never completes (slowloris) -> 408 and HANDSHAKE_TIMEOUT after handshakeTimeout', async () => {
  const c = await rawConnect(ports.slowloris!);
  c.socket.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n');
  await c.waitFor('HTTP/1.1 408', 5000);
  await c.ended();
  await p.waitFor(
    /ERR loris 4 websocket handshake with 127\.0\.0\.1:\d+ timed out: request head not complete within 1 s/,
  );
});
