// Listening workers end to end: one start script with websocket://, tcp://, text://, frame://, http:// and a
// registered protocol, run as a real master with real workers, talked to by real clients on 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run, type Running } from '../helpers/processes.js';
import { refusedPort } from '../helpers/servers.js';
import { closed, httpRequest, nextMessage, rawConnect, wsOpen } from '../helpers/clients.js';

const app = useAppDir();
let p: Running;
const ports: Record<string, number> = {};

before(async () => {
  for (const k of ['ws', 'tcp', 'text', 'frame', 'http', 'digit', 'paused', 'idle', 'deflate'])
    ports[k] = await refusedPort();
  const script = app.write(
    'servers.mjs',
    `import { Worker, AsyncTcpConnection } from 'workerman-ts';
AsyncTcpConnection.registerProtocol('digit', {
  input: (buf) => (buf.length >= 2 ? 2 : 0),
  decode: (buf) => buf.toString(),
  encode: (data) => String(data).slice(0, 2).padEnd(2, '.'),
});
const ws = new Worker('websocket://127.0.0.1:${ports.ws}', { name: 'ws', count: 2 });
ws.onConnect = (c) => console.log('ws onConnect id=' + c.id + ' from ' + c.remoteAddress + ' protocol=' + c.protocol);
ws.onWebSocketConnect = (c, req) => {
  if (req.url === '/forbidden') return 403;
  if (req.url === '/later') return new Promise((r) => setTimeout(() => r(401), 50));
  if (req.url === '/closeme') return void c.close();
  if (req.url === '/early') console.log('early send returned ' + c.send('early') + ' in state ' + c.state);
  if (req.url === '/own') c.onMessage = (conn, data) => conn.send('own ' + data);
};
ws.onMessage = (c, data) => {
  if (data === 'who') return c.send('pid=' + process.pid + ' id=' + c.id + ' n=' + ws.connections.size + ' same=' + (ws.connections.get(c.id) === c));
  if (data === 'bye') return c.close('later', 4000, 'done');
  c.send(typeof data === 'string' ? 'text:' + data : Buffer.concat([Buffer.from('bin:'), data]));
};
ws.onClose = (c) => console.log('ws onClose id=' + c.id + ' code=' + c.closeCode);
const tcp = new Worker('tcp://127.0.0.1:${ports.tcp}', { name: 'tcp' });
tcp.onMessage = (c, data) => c.send(Buffer.concat([Buffer.from('tcp:'), data]));
const text = new Worker({ listen: 'text://127.0.0.1:${ports.text}', name: 'text' });
text.onMessage = (c, line) => c.send('line[' + line + ']');
const frame = new Worker('frame://127.0.0.1:${ports.frame}', { name: 'frame' });
frame.onMessage = (c, payload) => c.send(Buffer.concat([payload, payload]));
const digit = new Worker('digit://127.0.0.1:${ports.digit}', { name: 'digit' });
digit.onMessage = (c, d) => c.send(d.split('').reverse().join(''));
const deflate = new Worker('websocket://127.0.0.1:${ports.deflate}', { name: 'deflate', perMessageDeflate: { threshold: 0 } });
deflate.onMessage = (c, d) => c.send('deflated ' + d);
const paused = new Worker('tcp://127.0.0.1:${ports.paused}', { name: 'paused' });
paused.onConnect = (c) => {
  c.pauseRecv();
  console.log('paused ' + c.id);
  setTimeout(() => { console.log('resuming ' + c.id); c.resumeRecv(); }, 300);
};
paused.onMessage = (c, d) => { console.log('paused got ' + d); c.send(d); };
const idle = new Worker('tcp://127.0.0.1:${ports.idle}', { name: 'idle', idleTimeout: 0.3 });
idle.onError = (c, code, msg) => console.log('idle onError ' + code + ' ' + msg);
idle.onClose = (c) => console.log('idle onClose ' + c.id);
const h = new Worker('http://127.0.0.1:${ports.http}', { name: 'http' });
h.onMessage = (c, req) => {
  if (req.path === '/json') return c.send({ status: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ got: req.json(), q: req.query.get('q') }) });
  c.send(req.method + ' ' + req.url + ' ' + req.body.length + ' conn=' + c.id);
};
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

test('websocket://: text and binary echo, onConnect/onWebSocketConnect/onClose, worker.connections, conn.id', async () => {
  const ws = await wsOpen(`ws://127.0.0.1:${ports.ws}/chat`);
  ws.send('hi');
  assert.equal(await nextMessage(ws), 'text:hi');
  ws.send(Buffer.from([1, 2, 3]));
  // websocketType BLOB (default): the server sends text frames even for a Buffer
  assert.equal(await nextMessage(ws), 'bin:\u0001\u0002\u0003');
  ws.send('who');
  const who = String(await nextMessage(ws));
  assert.match(who, /^pid=\d+ id=\d+ n=1 same=true$/);
  ws.send('bye');
  assert.equal(await nextMessage(ws), 'later'); // close(data) sends data first
  assert.deepEqual(await closed(ws), { code: 4000, reason: 'done' });
  await p.waitFor(/ws onConnect id=\d+ from 127\.0\.0\.1:\d+ protocol=websocket/);
  await p.waitFor(/ws onClose id=\d+ code=4000/);
});

test('websocket://: the port is shared by both workers (round-robin)', async () => {
  const pids = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const ws = await wsOpen(`ws://127.0.0.1:${ports.ws}/`);
    ws.send('who');
    pids.add(/pid=(\d+)/.exec(String(await nextMessage(ws)))![1]!);
    ws.close();
    await closed(ws);
  }
  assert.equal(pids.size, 2);
});

test('websocket://: onWebSocketConnect refuses with a status (also from a promise); a per-connection onMessage wins', async () => {
  await assert.rejects(wsOpen(`ws://127.0.0.1:${ports.ws}/forbidden`), /Unexpected server response: 403/);
  await assert.rejects(wsOpen(`ws://127.0.0.1:${ports.ws}/later`), /Unexpected server response: 401/);
  await assert.rejects(wsOpen(`ws://127.0.0.1:${ports.ws}/closeme`), /Unexpected server response: 403/);
  const ws = await wsOpen(`ws://127.0.0.1:${ports.ws}/own`);
  ws.send('x');
  assert.equal(await nextMessage(ws), 'own x');
  ws.close();
  const res = await httpRequest(ports.ws!, { path: '/' });
  assert.equal(res.status, 426);
});

test('tcp://, text://, frame:// and a registered protocol', async () => {
  const tcp = await rawConnect(ports.tcp!);
  tcp.socket.write('abc');
  await tcp.waitFor('tcp:abc');
  tcp.socket.end();

  const text = await rawConnect(ports.text!);
  text.socket.write('one\r\ntwo\nthr');
  await text.waitFor('line[one]\nline[two]\n');
  text.socket.write('ee\n');
  await text.waitFor('line[three]\n');
  text.socket.end();
  assert.equal(await text.ended(), 'end');

  const frame = await rawConnect(ports.frame!);
  const out = Buffer.alloc(7);
  out.writeUInt32BE(7, 0);
  out.write('xyz', 4);
  frame.socket.write(out);
  await frame.waitFor('xyzxyz');
  const got = frame.received();
  assert.equal(got.readUInt32BE(0), 10);
  frame.socket.end();

  const digit = await rawConnect(ports.digit!);
  digit.socket.write('12345');
  await digit.waitFor('2143');
  digit.socket.end();
});

test('http://: method, url, body, status and headers; keep-alive as Node does it', async () => {
  const a = await httpRequest(ports.http!, { method: 'POST', path: '/hook?x=1', body: 'hello' });
  assert.equal(a.status, 200);
  assert.match(a.body, /^POST \/hook\?x=1 5 conn=\d+$/);
  assert.equal(a.headers['content-type'], 'text/plain; charset=utf-8');
  const b = await httpRequest(ports.http!, {
    method: 'POST',
    path: '/json?q=7',
    body: '{"a":1}',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(b.status, 201);
  assert.deepEqual(JSON.parse(b.body), { got: { a: 1 }, q: '7' });
  // two requests on one keep-alive connection: the same connection answers both
  const raw = await rawConnect(ports.http!);
  raw.socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
  const text = await raw.waitFor(/GET \/2 0 conn=\d+/);
  const ids = [...text.matchAll(/conn=(\d+)/g)].map((m) => m[1]);
  assert.equal(ids.length, 2);
  assert.equal(ids[0], ids[1]);
  raw.socket.end();
});

test('websocket://: send() inside onWebSocketConnect is queued (null) and arrives first, after the 101', async () => {
  const ws = new (await import('ws')).default(`ws://127.0.0.1:${ports.ws}/early`);
  const first = await new Promise<string>((resolve, reject) => {
    ws.once('message', (d: Buffer) => resolve(d.toString()));
    ws.once('error', reject);
  });
  assert.equal(first, 'early');
  await p.waitFor('early send returned null in state handshaking');
  ws.close();
});

test('pauseRecv() holds the messages until resumeRecv()', async () => {
  const c = await rawConnect(ports.paused!);
  c.socket.write('held');
  await c.waitFor('held');
  const out = p.output();
  const at = (s: string) => out.indexOf(s);
  assert.ok(at('resuming') !== -1 && at('resuming') < at('paused got held'), out);
  c.socket.end();
});

test('idleTimeout: a connection that sends nothing gets IDLE_TIMEOUT, then onClose', async () => {
  const c = await rawConnect(ports.idle!);
  assert.match(await c.ended(), /^(end|close)$/);
  await p.waitFor(
    /idle onError 10 nothing received from 127\.0\.0\.1:\d+: for 0\.3 s \(idleTimeout\)\n[^]*idle onClose/,
  );
});

test('websocket:// with perMessageDeflate: the extension is negotiated and messages go both ways', async () => {
  const ws = await wsOpen(`ws://127.0.0.1:${ports.deflate}/`);
  assert.match(ws.extensions, /permessage-deflate/);
  ws.send('x'.repeat(1000));
  assert.equal(await nextMessage(ws), 'deflated ' + 'x'.repeat(1000));
  ws.close();
  // the default is off: no extension on the other websocket:// Worker
  const plain = await wsOpen(`ws://127.0.0.1:${ports.ws}/`);
  assert.equal(plain.extensions, '');
  plain.close();
});
