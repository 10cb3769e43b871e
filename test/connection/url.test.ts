// URL parsing and masking, header checks, info(), backoff delays, closeAll, and the callback exception rule.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AsyncTcpConnection, RECONNECT_DEFAULTS } from '../../src/connection/index.js';
import { parseTarget } from '../../src/connection/url.js';
import { reconnectDelay, resolvePolicy } from '../../src/connection/backoff.js';
import { noProxy } from '../../src/connection/transport/proxy.js';
import { startWsServer } from '../helpers/servers.js';
import { record } from '../helpers/record.js';
import { waitFor } from '../helpers/wait.js';

after(() => AsyncTcpConnection.closeAll());

test('parseTarget: default ports, IPv6, path+query kept, credentials and query values masked', () => {
  const t = parseTarget('wss://user:pw@example.com/stream?token=abc&x=1', ['ws', 'wss']);
  assert.equal(t.port, 443);
  assert.equal(t.path, '/stream?token=abc&x=1');
  assert.equal(t.display, 'wss://***@example.com/stream?token=***&x=***');
  assert.equal(parseTarget('ws://[::1]:8080', ['ws']).where, '[::1]:8080');
  assert.equal(parseTarget('ws://h', ['ws']).port, 80);
  const c = new AsyncTcpConnection('ws://a:b@127.0.0.1:1/p?key=secret');
  assert.equal(c.displayUrl, 'ws://***@127.0.0.1:1/p?key=***');
  assert.equal(c.url, 'ws://a:b@127.0.0.1:1/p?key=secret');
  assert.doesNotMatch(JSON.stringify(c.info()), /secret|a:b/);
});

test('headers with CR/LF or bad names are refused with a TypeError that never shows the value', () => {
  const c = new AsyncTcpConnection('ws://127.0.0.1:1');
  assert.throws(
    () => {
      c.headers = { 'X-A': 'ok\r\nInjected: 1' };
    },
    (e: Error) => e instanceof TypeError && /X-A/.test(e.message) && !e.message.includes('Injected'),
  );
  assert.throws(() => {
    c.headers = { 'Bad\nName': 'v' };
  }, TypeError);
  assert.throws(() => new AsyncTcpConnection('ws://127.0.0.1:1', { headers: { 'X-B': 'a\nb' } }), TypeError);
  c.headers = { 'X-Ok': 'v' };
  c.headers['X-Later'] = 'x\r\ny';
  assert.throws(() => c.connect(), TypeError);
  assert.equal(c.state, 'initial');
  assert.doesNotMatch(JSON.stringify(c.info()), /X-Ok|"v"/);
});

test('backoff: full jitter draws from [0, cap), cap grows by factor up to maxDelay', () => {
  const p = resolvePolicy({ initialDelay: 1, maxDelay: 10, factor: 2 });
  assert.deepEqual(RECONNECT_DEFAULTS.jitter, 'full');
  assert.equal(reconnectDelay(p, 0, () => 0.999999) < 1, true);
  assert.equal(
    reconnectDelay(p, 3, () => 0.5),
    4,
  );
  assert.equal(
    reconnectDelay(p, 20, () => 0.5),
    5,
  );
  assert.equal(reconnectDelay({ ...p, jitter: 'none' }, 2), 4);
});

test('NO_PROXY matching: exact, suffix, port and *', () => {
  assert.equal(noProxy('api.example.com', 443, 'example.com'), true);
  assert.equal(noProxy('api.example.com', 443, '.example.com'), true);
  assert.equal(noProxy('example.org', 443, 'example.com'), false);
  assert.equal(noProxy('h', 80, 'h:81'), false);
  assert.equal(noProxy('h', 81, 'h:81'), true);
  assert.equal(noProxy('anything', 1, '*'), true);
});

test(
  'connections registry, info() and totals; closeAll sends 1001 and resolves when all are closed',
  { timeout: 10000 },
  async () => {
    const codes: number[] = [];
    const srv = await startWsServer({}, (s) => {
      s.send('x');
      s.on('close', (code) => codes.push(code));
    });
    const before = AsyncTcpConnection.totals;
    const a = new AsyncTcpConnection(srv.url);
    const b = new AsyncTcpConnection(srv.url);
    const ra = record(a);
    const rb = record(b);
    const waiting = new AsyncTcpConnection(srv.url);
    try {
      a.connect();
      b.connect();
      waiting.reConnect(60);
      await waitFor(() => ra.messages.length === 1 && rb.messages.length === 1, 'messages');
      assert.ok(AsyncTcpConnection.connections.has(a) && AsyncTcpConnection.connections.has(waiting));
      const info = a.info();
      assert.equal(info.state, 'open');
      assert.equal(info.messagesIn, 1);
      assert.ok(info.lastMessageAt !== null && Math.abs(info.lastMessageAt - Date.now()) < 2000);
      assert.ok(info.bytesIn > 0 && info.bytesOut > 0);
      assert.equal(waiting.info().state, 'reconnecting');
      assert.ok((waiting.info().nextRetryAt ?? 0) > Date.now());
      assert.equal(AsyncTcpConnection.totals.messagesIn - before.messagesIn, 2);
      await AsyncTcpConnection.closeAll();
      assert.equal(AsyncTcpConnection.connections.size, 0);
      assert.equal(ra.closes + rb.closes, 2);
      await waitFor(() => codes.length === 2, 'server saw closes');
      assert.deepEqual(codes, [1001, 1001]);
      assert.ok(AsyncTcpConnection.totals.bytesIn > before.bytesIn);
    } finally {
      await srv.close();
    }
  },
);

test(
  'an exception thrown in onMessage is not swallowed: the process gets an uncaught exception',
  { timeout: 20000 },
  () => {
    const script = fileURLToPath(new URL('../helpers/throwing-callback.js', import.meta.url));
    const res = spawnSync(process.execPath, [script, 'run'], { encoding: 'utf8', timeout: 15000 });
    assert.equal(res.status, 7, res.stderr);
    assert.match(res.stdout, /uncaught: boom from onMessage; state open, messagesIn [12]/);
  },
);

test('bad options and option values are refused with a TypeError naming them (constructor, connect(), reConnect())', () => {
  const url = 'ws://127.0.0.1:1';
  const make = (options: unknown) => () => new AsyncTcpConnection(url, options as never);
  assert.throws(make('x'), /options must be an object, got "x"/);
  assert.throws(make({ pingInterval: 5 }), /unknown option "pingInterval" \(options: websocketPingInterval,/);
  assert.throws(make({ state: 'open' }), /unknown option "state"/);
  assert.throws(make({ connectTimeout: -1 }), /connectTimeout must be a number of seconds >= 0, got -1/);
  assert.throws(make({ pongTimeout: NaN }), /pongTimeout must be a number of seconds >= 0, got NaN/);
  assert.throws(
    make({ maxSendBufferSize: 'abc' }),
    /maxSendBufferSize must be a whole number of bytes > 0, got "abc"/,
  );
  assert.throws(
    make({ websocketType: 'text' }),
    /websocketType must be Ws\.BINARY_TYPE_BLOB or Ws\.BINARY_TYPE_ARRAYBUFFER, got "text"/,
  );
  assert.throws(make({ transport: 'udp' }), /transport must be 'tcp' or 'tls', got "udp"/);
  assert.throws(make({ onMessage: 'log' }), /onMessage must be a function or null/);
  assert.throws(
    make({ reconnect: { initialDelay: -1 } }),
    /reconnect\.initialDelay must be a number of seconds >= 0, got -1/,
  );
  assert.throws(make({ reconnect: { factor: 'x' } }), /reconnect\.factor must be a number >= 1, got "x"/);
  assert.throws(make({ reconnect: { maxAttempt: 3 } }), /unknown reconnect option "maxAttempt"/);
  assert.throws(make({ reconnect: { jitter: 'half' } }), /reconnect\.jitter must be 'full' or 'none'/);
  // Valid values still work, including reconnect: false (off) and Infinity attempts.
  new AsyncTcpConnection(url, { reconnect: false, websocketPingInterval: 0.5, maxPackageSize: 1000 });
  new AsyncTcpConnection(url, { reconnect: { maxAttempts: Infinity, factor: 1 } });

  // A property set after construction is checked by connect(), before anything happens.
  const c = new AsyncTcpConnection(url);
  (c as { websocketPingInterval: unknown }).websocketPingInterval = '55';
  assert.throws(() => c.connect(), /websocketPingInterval must be a number of seconds >= 0, got "55"/);
  assert.equal(c.state, 'initial');

  assert.throws(
    () => c.reConnect('abc' as never),
    /reConnect\(delaySeconds\) needs a number of seconds >= 0, got "abc"/,
  );
  assert.throws(() => c.reConnect(-1), /got -1/);
  assert.equal(c.state, 'initial');
});

test('reconnect: false means off (it used to mean the default policy)', async () => {
  // Nothing listens on port 1: the connect fails; with the policy off no reconnect is scheduled.
  const c = new AsyncTcpConnection('ws://127.0.0.1:1', { reconnect: false });
  const closed = new Promise<string>((resolve) => (c.onClose = (conn) => resolve(conn.state)));
  c.onError = () => {};
  c.connect();
  assert.equal(await closed, 'closed');
  assert.equal(c.nextRetryAt, null);
});
