// Private fields of our dependencies that the connection layer relies on, for memory per idle connection
// (docs/benchmarks.md). Each test fails when the field changes shape in a new Node or ws, so the reliance
// is noticed here instead of as a silent regression (each use also has a fallback that keeps working).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { ClientRequest, type IncomingMessage } from 'node:http';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { forgetAddressCache } from '../../src/connection/addresses.js';
import { WebSocket } from 'ws';
import { acceptKey, startWsServer } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';

test("EventEmitter's _events: an own property the constructor sets, and every method accepts it unset (settings.ts)", () => {
  const e = new EventEmitter() as EventEmitter & { _events: unknown };
  assert.ok(Object.hasOwn(e, '_events'), 'EventEmitter no longer keeps its listeners in _events');
  assert.equal(typeof e._events, 'object');
  e._events = undefined; // what ConnectionSettings does: the table is created with the first listener
  assert.equal(e.listenerCount('x'), 0);
  assert.equal(e.emit('x'), false);
  let heard = 0;
  e.on('x', () => heard++);
  e.once('y', () => heard++);
  assert.equal(e.emit('x'), true);
  e.emit('y');
  assert.equal(heard, 2);
  assert.deepEqual(e.eventNames(), ['x']);
  e.removeAllListeners();
  assert.equal(e.listenerCount('x'), 0);
});

test("net.Socket's _sockname/_peername: the address caches Node fills on read; dropping them is safe (addresses.ts)", async () => {
  const server = createServer((s) => s.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    const s = socket as Socket & { _sockname?: unknown; _peername?: unknown };
    const local = `${socket.localAddress}:${socket.localPort}`;
    const remote = `${socket.remoteAddress}:${socket.remotePort}`;
    assert.equal(typeof s._sockname, 'object', 'Node no longer caches the local address in _sockname');
    assert.equal(typeof s._peername, 'object', 'Node no longer caches the peer address in _peername');
    forgetAddressCache(socket);
    assert.equal(s._sockname, undefined);
    assert.equal(s._peername, undefined);
    // Node reads them again when asked
    assert.equal(`${socket.localAddress}:${socket.localPort}`, local);
    assert.equal(`${socket.remoteAddress}:${socket.remotePort}`, remote);
  } finally {
    socket.destroy();
    server.close();
  }
});

test("ws's _req: the upgrade request, there right after new WebSocket(); a listener added then hears the 101 right after ws's own, which opens (protocol/ws.ts)", async () => {
  const server = await startWsServer();
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/`);
  try {
    const req = (ws as unknown as { _req?: unknown })._req;
    assert.ok(req instanceof ClientRequest, 'ws no longer keeps the upgrade request in _req');
    const order: string[] = [];
    req.on('upgrade', (res: IncomingMessage) => order.push(`upgrade ${res.statusCode}`));
    ws.on('open', () => order.push('open'));
    await once(ws, 'open');
    assert.deepEqual(order, ['open', 'upgrade 101']);
    assert.equal((ws as unknown as { _req?: unknown })._req, null, 'ws keeps _req after the upgrade');
  } finally {
    ws.terminate();
    await server.close();
  }
});

test("ws's setSocket and _isServer: a WebSocket made with address null, marked a client, runs on a socket after our handshake (protocol/ws.ts; no fallback: ws's own server and client call setSocket)", async () => {
  const server = await startWsServer({}, (peer) => peer.send('from server'));
  const socket = connect(server.port, '127.0.0.1');
  try {
    const key = 'dGhlIHNhbXBsZSBub25jZQ==';
    socket.write(
      `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    );
    const [answer] = (await once(socket, 'data')) as [Buffer];
    const end = answer.indexOf('\r\n\r\n') + 4;
    const digest = acceptKey(key);
    assert.match(
      answer.toString('latin1', 0, end),
      new RegExp(`Sec-WebSocket-Accept: ${digest.replace(/[+/]/g, '\\$&')}`),
    );
    const ws = new WebSocket(null as unknown as string, undefined, { autoPong: true }) as WebSocket & {
      _isServer: boolean;
      setSocket(s: Socket, head: Buffer, o: Record<string, unknown>): void;
    };
    assert.equal(ws._isServer, true, 'ws no longer marks an address-null WebSocket as a server');
    ws._isServer = false;
    assert.equal(typeof ws.setSocket, 'function', 'ws no longer has setSocket');
    const got = once(ws, 'message');
    ws.setSocket(socket, answer.subarray(end), { allowSynchronousEvents: true, maxPayload: 1024 });
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.equal(String((await got)[0]), 'from server');
    // A ws server closes on an unmasked client frame (1002); it records a masked one.
    ws.send('masked?');
    await waitFor(() => server.received.length === 1, 'the server to receive the frame');
    assert.deepEqual(server.received[0], { data: 'masked?', isBinary: false });
    ws.terminate();
  } finally {
    socket.destroy();
    await server.close();
  }
});
