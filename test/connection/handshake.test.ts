// Our websocket opening handshake (protocol/ws-handshake.ts) against hand-written servers: what the request
// carries, and how each kind of answer ends (open, or exactly one error then onClose).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { AsyncTcpConnection, ConnectionError } from '../../src/connection/index.js';
import { acceptKey, onUpgradeRequest, startRawServer, type RawServer } from '../helpers/servers.js';
import { record } from '../helpers/record.js';
import { waitFor } from '../helpers/wait.js';

after(() => AsyncTcpConnection.closeAll());

/** A server that reads the request head, hands it to `answer`, and writes what that returns. */
function scripted(answer: (head: string, key: string) => string | Buffer, end = false): Promise<RawServer> {
  return startRawServer((s: Socket) =>
    onUpgradeRequest(s, (head, key) => {
      s.resume();
      s.write(answer(head, key));
      if (end) s.end();
    }),
  );
}

const ok = (key: string, extra = ''): string =>
  `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n${extra}\r\n`;

test('the request: path and query, Host with the port, user headers, credentials from the URL', async () => {
  let seen = '';
  const srv = await scripted((head, key) => ((seen = head), ok(key)));
  const conn = new AsyncTcpConnection(`ws://us%20er:p%40ss@127.0.0.1:${srv.port}/feed?x=1`, {
    headers: { 'X-Token': 'abc', Upgrade: 'not-this', 'sec-websocket-version': '8' },
  });
  const r = record(conn);
  try {
    conn.connect();
    await waitFor(() => r.events.includes('open'), 'open');
    const lines = seen.split('\r\n');
    assert.equal(lines[0], 'GET /feed?x=1 HTTP/1.1');
    assert.ok(lines.includes(`Host: 127.0.0.1:${srv.port}`), seen);
    assert.ok(lines.includes('X-Token: abc'), seen);
    assert.ok(lines.includes('Upgrade: websocket') && !seen.includes('not-this'), seen);
    assert.ok(lines.includes('Sec-WebSocket-Version: 13') && !/version: 8/i.test(seen), seen);
    assert.ok(lines.includes(`Authorization: Basic ${Buffer.from('us er:p@ss').toString('base64')}`), seen);
    assert.match(seen, /\r\nSec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\n/);
  } finally {
    conn.destroy();
    await srv.close();
  }
});

test("the 101 in onWebSocketConnect: node:http's header rules, raw header lines in toString()", async () => {
  const srv = await scripted((_h, key) =>
    ok(
      key,
      'Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nX-Multi: one\r\nX-Multi:  two \r\nServer: s1\r\nServer: s2\r\n',
    ),
  );
  const conn = new AsyncTcpConnection(`ws://127.0.0.1:${srv.port}`);
  const r = record(conn);
  let text = '';
  let headers: Record<string, unknown> = {};
  conn.onWebSocketConnect = (_c, res) => {
    r.events.push('open');
    text = res.toString();
    headers = res.headers;
    assert.equal(res.statusCode, 101);
    assert.equal(res.statusMessage, 'Switching Protocols');
    assert.equal(res.httpVersion, '1.1');
  };
  try {
    conn.connect();
    await waitFor(() => r.events.includes('open'), 'open');
    assert.deepEqual(headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(headers['x-multi'], 'one, two');
    assert.equal(headers.server, 's1');
    assert.match(text, /^HTTP\/1\.1 101 Switching Protocols\r\n[^]*Set-Cookie: b=2\r\n[^]*\r\n\r\n$/);
  } finally {
    conn.destroy();
    await srv.close();
  }
});

test('a 1xx answer before the 101 is skipped, and a frame in the same read is delivered', async () => {
  const srv = await scripted((_h, key) =>
    Buffer.concat([
      Buffer.from(`HTTP/1.1 100 Continue\r\n\r\n${ok(key)}`),
      Buffer.from([0x81, 2, 0x68, 0x69]),
    ]),
  );
  const conn = new AsyncTcpConnection(`ws://127.0.0.1:${srv.port}`);
  const r = record(conn);
  try {
    conn.connect();
    await waitFor(() => r.messages.length === 1, 'the message');
    assert.deepEqual(r.events, ['connect', 'open', 'message']);
    assert.equal(r.messages[0], 'hi');
  } finally {
    conn.destroy();
    await srv.close();
  }
});

const bad: [string, (key: string) => string, number, RegExp][] = [
  ['a wrong accept', () => ok('other'), ConnectionError.PROTOCOL_ERROR, /Invalid Sec-WebSocket-Accept/],
  [
    'no Upgrade header',
    (key) => `HTTP/1.1 101 X\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
    ConnectionError.PROTOCOL_ERROR,
    /Invalid Upgrade header/,
  ],
  [
    'an extension nobody asked for',
    (key) => ok(key, 'Sec-WebSocket-Extensions: permessage-deflate\r\n'),
    ConnectionError.PROTOCOL_ERROR,
    /Sec-WebSocket-Extensions/,
  ],
  [
    'a subprotocol nobody asked for',
    (key) => ok(key, 'Sec-WebSocket-Protocol: chat\r\n'),
    ConnectionError.PROTOCOL_ERROR,
    /subprotocol/,
  ],
  ['not HTTP', () => 'SSH-2.0-OpenSSH\r\n\r\n', ConnectionError.PROTOCOL_ERROR, /not an HTTP response/],
  [
    'a header line without a colon',
    (key) => ok(key, 'oops\r\n'),
    ConnectionError.PROTOCOL_ERROR,
    /malformed/,
  ],
  [
    'a head over 16 KiB',
    () => `HTTP/1.1 101 X\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    ConnectionError.PROTOCOL_ERROR,
    /over 16 KiB/,
  ],
  [
    'a 503',
    () => 'HTTP/1.1 503 Busy\r\n\r\n',
    ConnectionError.HANDSHAKE_REJECTED,
    /HTTP 503 Service Unavailable/,
  ],
  [
    'an answer cut short, then FIN',
    () => 'HTTP/1.1 101 Switching',
    ConnectionError.CONNECT_FAIL,
    /closed during the websocket handshake \(ECONNRESET\)/,
  ],
];

for (const [what, answer, code, message] of bad) {
  test(`the answer is ${what}: one error (${code}), then onClose, never open`, async () => {
    const srv = await scripted((_h, key) => answer(key), code === ConnectionError.CONNECT_FAIL);
    const conn = new AsyncTcpConnection(`ws://127.0.0.1:${srv.port}`, { reconnect: false });
    const r = record(conn);
    try {
      conn.connect();
      await waitFor(() => r.closes === 1, 'close');
      assert.deepEqual(r.events, ['connect', `error:${code}`, 'close']);
      assert.match(r.errors[0]!.message, message);
      assert.equal(conn.closeCode, 1006);
    } finally {
      await srv.close();
    }
  });
}
