// The send contract: true written / null queued / false dropped, the bounded queue, onBufferFull/onBufferDrain.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncTcpConnection, ConnectionError } from '../../src/connection/index.js';
import { startWsServer, startRawServer } from '../helpers/servers.js';
import { record } from '../helpers/record.js';
import { waitFor } from '../helpers/wait.js';

after(() => AsyncTcpConnection.closeAll());

test(
  'queue while not open is bounded: onBufferFull at the limit, next send dropped with SEND_FAIL, drain on open',
  { timeout: 10000 },
  async () => {
    const srv = await startWsServer();
    const conn = new AsyncTcpConnection(srv.url, { maxSendBufferSize: 10 });
    const r = record(conn);
    const failuresBefore = AsyncTcpConnection.totals.sendFailures;
    try {
      assert.equal(conn.send('12345'), null);
      assert.deepEqual(r.events, []);
      assert.equal(conn.send('67890'), null);
      assert.deepEqual(r.events, ['bufferFull']);
      assert.equal(conn.send('dropped'), false);
      assert.deepEqual(r.events, ['bufferFull', `error:${ConnectionError.SEND_FAIL}`]);
      assert.match(r.errors[0]!.message, /send buffer full/);
      assert.equal(conn.info().queuedBytes, 10);
      assert.equal(AsyncTcpConnection.totals.sendFailures, failuresBefore + 1);
      conn.connect();
      await waitFor(() => srv.received.length === 2, 'queued messages');
      assert.deepEqual(
        srv.received.map((m) => m.data),
        ['12345', '67890'],
      );
      assert.deepEqual(r.events, [
        'bufferFull',
        `error:${ConnectionError.SEND_FAIL}`,
        'connect',
        'bufferDrain',
        'open',
      ]);
    } finally {
      conn.destroy();
      await srv.close();
    }
  },
);

test(
  'while open: a peer that does not read fills the socket buffer -> onBufferFull, false + SEND_FAIL, then drain',
  { timeout: 15000 },
  async () => {
    const held: import('node:net').Socket[] = [];
    const srv = await startRawServer((s) => {
      s.pause();
      held.push(s);
    });
    const conn = new AsyncTcpConnection(`tcp://127.0.0.1:${srv.port}`, { maxSendBufferSize: 64 * 1024 });
    const r = record(conn);
    try {
      conn.connect();
      await waitFor(() => conn.state === 'open', 'open');
      const chunk = Buffer.alloc(16 * 1024);
      let result: boolean | null = true;
      for (let i = 0; i < 2000 && result === true; i++) result = conn.send(chunk);
      assert.equal(result, false);
      assert.ok(r.events.includes('bufferFull'));
      assert.equal(r.errors.at(-1)!.code, ConnectionError.SEND_FAIL);
      assert.equal(conn.state, 'open');
      for (const s of held) s.resume();
      await waitFor(() => r.events.includes('bufferDrain'), 'drain');
      assert.equal(conn.send(chunk), true);
    } finally {
      conn.destroy();
      await srv.close();
    }
  },
);

test('send on a closed connection returns false without onError', { timeout: 10000 }, () => {
  const conn = new AsyncTcpConnection('ws://127.0.0.1:9');
  const r = record(conn);
  conn.close();
  assert.equal(conn.state, 'closed');
  assert.equal(conn.send('x'), false);
  assert.deepEqual(r.events, []);
});
