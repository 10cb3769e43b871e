// ws:// basics, the Workerman manual example: handshake headers, pings, frame types, queued sends, callback
// order, refused and rejected connections, reConnect/cancelReconnect/close.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncTcpConnection, ConnectionError, Ws } from '../../src/connection/index.js';
import { startWsServer, refusedPort, startRejectingServer } from '../helpers/servers.js';
import { record } from '../helpers/record.js';
import { waitFor, sleep } from '../helpers/wait.js';

after(() => AsyncTcpConnection.closeAll());

test(
  'handshake carries user headers; onConnect then onWebSocketConnect; queued sends arrive first and in order',
  { timeout: 10000 },
  async () => {
    const srv = await startWsServer();
    const conn = new AsyncTcpConnection(srv.url + '/feed?x=1', {
      headers: { Cookie: 'sid=1', 'X-Other': 'v' },
    });
    const r = record(conn);
    let response = '';
    conn.onWebSocketConnect = (c, res) => {
      r.events.push('open');
      response = String(res);
      assert.equal(res.statusCode, 101);
      assert.equal(c.send('inside-open'), true);
    };
    try {
      assert.equal(conn.send('q1'), null);
      assert.equal(conn.send('q2'), null);
      conn.connect();
      assert.equal(conn.send('q3'), null);
      await waitFor(() => srv.received.length === 4, 'four messages');
      assert.deepEqual(
        srv.received.map((m) => m.data),
        ['q1', 'q2', 'q3', 'inside-open'],
      );
      assert.equal(srv.requests[0]!['cookie'], 'sid=1');
      assert.equal(srv.requests[0]!['x-other'], 'v');
      assert.deepEqual(r.events, ['connect', 'open']);
      assert.match(response, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
      assert.match(response, /Sec-WebSocket-Accept: /);
      assert.equal(conn.state, 'open');
      assert.equal(conn.messagesOut, 4);
      assert.match(conn.localAddress ?? '', /^127\.0\.0\.1:\d+$/);
      assert.equal(conn.remoteAddress, `127.0.0.1:${srv.port}`);
    } finally {
      conn.destroy();
      await srv.close();
    }
  },
);

test(
  'websocketType: BLOB sends text frames, ARRAYBUFFER binary frames; text in -> string, binary in -> Buffer',
  { timeout: 10000 },
  async () => {
    const srv = await startWsServer({}, (s) => {
      s.send('t');
      s.send(Buffer.from([0, 1, 255]));
    });
    const a = new AsyncTcpConnection(srv.url);
    const b = new AsyncTcpConnection(srv.url, { websocketType: Ws.BINARY_TYPE_ARRAYBUFFER });
    const ra = record(a);
    const emitted: string[] = [];
    a.on('open', () => emitted.push('open'));
    a.on('message', (d: string | Buffer) => emitted.push(typeof d));
    try {
      a.send('text-frame');
      a.connect();
      await waitFor(() => srv.received.length === 1 && ra.messages.length === 2, 'a done');
      b.send('binary-frame');
      b.send(new Uint8Array([1, 2]));
      b.connect();
      await waitFor(() => srv.received.length === 3, 'b done');
      assert.deepEqual(
        srv.received.map((m) => m.isBinary),
        [false, true, true],
      );
      assert.equal(ra.messages[0], 't');
      assert.ok(Buffer.isBuffer(ra.messages[1]));
      assert.deepEqual([...ra.messages[1]], [0, 1, 255]);
      assert.deepEqual(emitted, ['open', 'string', 'object']);
    } finally {
      a.destroy();
      b.destroy();
      await srv.close();
    }
  },
);

test('websocketPingInterval sends ping frames (fractional seconds)', { timeout: 10000 }, async () => {
  const srv = await startWsServer();
  const conn = new AsyncTcpConnection(srv.url, { websocketPingInterval: 0.05 });
  try {
    conn.connect();
    await waitFor(() => srv.pings >= 3, 'three pings');
    assert.equal(conn.state, 'open');
  } finally {
    conn.destroy();
    await srv.close();
  }
});

test('malformed URL, unknown scheme, missing port and a port out of range throw a TypeError from the constructor', () => {
  assert.throws(() => new AsyncTcpConnection('not a url'), { name: 'ConfigError', message: /malformed url/ });
  assert.throws(() => new AsyncTcpConnection('websocket://127.0.0.1:1'), {
    name: 'ConfigError',
    // the mistake Workerman users make (issue #473): the listen scheme as a client URL, with the fix
    message: /websocket:\/\/ is a listen scheme .*a websocket client connects to ws:\/\/127\.0\.0\.1:1\//,
  });
  assert.throws(() => new AsyncTcpConnection('tcp://127.0.0.1'), {
    name: 'ConfigError',
    message: /needs a port/,
  });
  assert.throws(() => new AsyncTcpConnection('ws://127.0.0.1:99999/x'), {
    name: 'ConfigError',
    message: /port 99999 out of range \(1-65535\)/,
  });
  assert.throws(
    () => new AsyncTcpConnection('wss://u:secret@[::1]:70000'),
    (e: Error) => /port 70000 out of range/.test(e.message) && !e.message.includes('secret'),
  );
  assert.throws(() => new AsyncTcpConnection('text://127.0.0.1:0'), {
    name: 'ConfigError',
    message: /port 0 .*cannot be connected to/,
  });
  assert.throws(
    () => new AsyncTcpConnection('ws://user:secret@[::1'),
    (e: Error) => e instanceof TypeError && !e.message.includes('secret'),
  );
});

test(
  'refused connection: onError(CONNECT_FAIL) naming host and port, then onClose',
  { timeout: 10000 },
  async () => {
    const port = await refusedPort();
    const conn = new AsyncTcpConnection(`ws://127.0.0.1:${port}`);
    const r = record(conn);
    conn.connect();
    await waitFor(() => r.closes === 1, 'close');
    assert.deepEqual(r.events, ['error:1', 'close']);
    assert.equal(r.errors[0]!.code, ConnectionError.CONNECT_FAIL);
    assert.match(r.errors[0]!.message, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
    assert.equal(conn.state, 'closed');
    assert.equal(AsyncTcpConnection.connections.has(conn), false);
  },
);

for (const status of [403, 404]) {
  test(
    `handshake rejected with HTTP ${status}: onError(HANDSHAKE_REJECTED) with the status, then onClose`,
    { timeout: 10000 },
    async () => {
      const srv = await startRejectingServer(status);
      const conn = new AsyncTcpConnection(`ws://127.0.0.1:${srv.port}/x`);
      const r = record(conn);
      try {
        conn.connect();
        await waitFor(() => r.closes === 1, 'close');
        assert.deepEqual(r.events, ['connect', `error:${ConnectionError.HANDSHAKE_REJECTED}`, 'close']);
        assert.match(r.errors[0]!.message, new RegExp(`HTTP ${status}`));
      } finally {
        await srv.close();
      }
    },
  );
}

test('reConnect(0.2) inside onClose waits ~200 ms and keeps callbacks', { timeout: 10000 }, async () => {
  const srv = await startWsServer({}, (s) => s.send('hi'));
  const conn = new AsyncTcpConnection(srv.url);
  const r = record(conn);
  let closedAt = 0;
  let reopenedAt = 0;
  conn.onClose = (c) => {
    r.closes++;
    if (r.closes === 1) {
      closedAt = performance.now();
      c.reConnect(0.2);
      assert.equal(c.state, 'reconnecting');
      assert.ok(c.nextRetryAt !== null);
    }
  };
  conn.onWebSocketConnect = () => {
    if (closedAt > 0) reopenedAt = performance.now();
  };
  try {
    conn.connect();
    await waitFor(() => r.messages.length === 1, 'first message');
    for (const s of srv.sockets) s.close(4000, 'bye');
    await waitFor(() => r.messages.length === 2, 'message after reconnect');
    const waited = reopenedAt - closedAt;
    assert.ok(waited >= 190 && waited < 1500, `reconnected after ${waited} ms`);
    assert.equal(conn.reconnectAttempts, 1);
    assert.equal(conn.closeCode, 4000);
    assert.equal(conn.closeReason, 'bye');
    assert.ok(AsyncTcpConnection.connections.has(conn));
  } finally {
    conn.close();
    await srv.close();
  }
});

test(
  'reConnect from a timer (outside onClose) works while open and keeps callbacks',
  { timeout: 10000 },
  async () => {
    const srv = await startWsServer({}, (s) => s.send('hi'));
    const conn = new AsyncTcpConnection(srv.url);
    const r = record(conn);
    try {
      conn.connect();
      await waitFor(() => r.messages.length === 1, 'first message');
      setTimeout(() => conn.reConnect(0.05), 10);
      await waitFor(() => r.messages.length === 2, 'second message');
      assert.deepEqual(r.events, ['connect', 'open', 'message', 'close', 'connect', 'open', 'message']);
    } finally {
      conn.close();
      await srv.close();
    }
  },
);

test(
  'cancelReconnect stops a pending reconnect; close() during the wait cancels it too',
  { timeout: 10000 },
  async () => {
    const srv = await startWsServer();
    const a = new AsyncTcpConnection(srv.url);
    const b = new AsyncTcpConnection(srv.url);
    try {
      a.reConnect(0.1);
      b.reConnect(0.1);
      assert.equal(a.state, 'reconnecting');
      assert.ok(AsyncTcpConnection.connections.has(a));
      a.cancelReconnect();
      b.close();
      assert.equal(a.state, 'closed');
      assert.equal(b.state, 'closed');
      await sleep(300);
      assert.equal(srv.requests.length, 0);
      assert.equal(AsyncTcpConnection.connections.has(a), false);
      assert.equal(AsyncTcpConnection.connections.has(b), false);
    } finally {
      await srv.close();
    }
  },
);

test(
  'close() sends close frame 1000 and a reConnect() in the resulting onClose is ignored',
  { timeout: 10000 },
  async () => {
    let serverSaw = 0;
    const srv = await startWsServer({}, (s) =>
      s.on('close', (code) => {
        serverSaw = code;
      }),
    );
    const conn = new AsyncTcpConnection(srv.url);
    const r = record(conn);
    conn.onClose = (c) => {
      r.closes++;
      c.reConnect(0);
    };
    try {
      conn.connect();
      await waitFor(() => conn.state === 'open', 'open');
      conn.close();
      assert.equal(conn.state, 'closing');
      assert.equal(conn.send('late'), false);
      await waitFor(() => r.closes === 1 && serverSaw !== 0, 'close both sides');
      assert.equal(serverSaw, 1000);
      await sleep(100);
      assert.equal(srv.requests.length, 1);
      assert.equal(conn.state, 'closed');
    } finally {
      await srv.close();
    }
  },
);

test(
  'server close code and reason are visible in onClose; the close frame is answered',
  { timeout: 10000 },
  async () => {
    let echoed = 0;
    const srv = await startWsServer({}, (s) => {
      s.on('close', (code) => {
        echoed = code;
      });
      s.close(4321, 'maintenance');
    });
    const conn = new AsyncTcpConnection(srv.url);
    let seen = '';
    conn.onClose = (c) => {
      seen = `${c.closeCode} ${c.closeReason}`;
    };
    try {
      conn.connect();
      await waitFor(() => seen !== '' && echoed !== 0, 'close');
      assert.equal(seen, '4321 maintenance');
      assert.equal(echoed, 4321);
    } finally {
      await srv.close();
    }
  },
);

test(
  'close() with a code websocket forbids throws and leaves the connection open and usable',
  { timeout: 10000 },
  async () => {
    const srv = await startWsServer();
    const conn = new AsyncTcpConnection(srv.url);
    try {
      conn.connect();
      await waitFor(() => conn.state === 'open', 'open');
      assert.throws(
        () => conn.close(1006),
        /close\(1006\): websocket does not allow sending this close code \(use 1000-1003, 1007-1014 or 3000-4999\)/,
      );
      assert.throws(
        () => conn.close(1000, 'x'.repeat(124)),
        /the reason must be a string of at most 123 bytes/,
      );
      assert.equal(conn.state, 'open');
      assert.equal(conn.send('still-open'), true);
      await waitFor(() => srv.received.length === 1, 'message');
      conn.close(4000, 'done');
      await waitFor(() => conn.state === 'closed', 'closed');
    } finally {
      conn.destroy();
      await srv.close();
    }
  },
);

test(
  'a ws without the internal _req field: the open comes through its own upgrade/open events, same order',
  { timeout: 10000 },
  async () => {
    // We take the 101 answer from ws's http request (`_req`) to keep ws's listener table small; a later ws
    // might not keep that field. Hide it for this test (ws's own upgrade handler uses its local variable).
    const { WebSocket } = await import('ws');
    const proto = WebSocket.prototype as unknown as Record<string, unknown>;
    Object.defineProperty(proto, '_req', { configurable: true, get: () => undefined, set: () => {} });
    const srv = await startWsServer({}, (s) => s.send('hello'));
    const conn = new AsyncTcpConnection(srv.url);
    const r = record(conn);
    let status = 0;
    conn.onWebSocketConnect = (_c, res) => {
      r.events.push('open');
      status = res.statusCode;
    };
    try {
      conn.connect();
      await waitFor(() => r.messages.length === 1, 'the message');
      assert.deepEqual(r.events, ['connect', 'open', 'message']);
      assert.equal(status, 101);
    } finally {
      delete proto['_req'];
      conn.destroy();
      await srv.close();
    }
  },
);
