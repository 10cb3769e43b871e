// tcp://, text://, frame:// and a user protocol registered with registerProtocol, against raw net servers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { AsyncTcpConnection, ConnectionError, type Protocol } from '../../src/connection/index.js';
import { startRawServer } from '../helpers/servers.js';
import { record } from '../helpers/record.js';
import { waitFor } from '../helpers/wait.js';

after(() => AsyncTcpConnection.closeAll());

/** A frame:// package: 4-byte big-endian total length, then the body. */
function framed(body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const b = Buffer.allocUnsafe(4 + bytes.length);
  b.writeUInt32BE(4 + bytes.length, 0);
  bytes.copy(b, 4);
  return b;
}

/** A server that writes `script` (each element one write, 20 ms apart) and records what it receives. */
async function scripted(script: (Buffer | string)[]) {
  const got: Buffer[] = [];
  const srv = await startRawServer((s: Socket) => {
    s.on('data', (d) => got.push(d));
    script.forEach((chunk, i) => setTimeout(() => s.writable && s.write(chunk), 20 * (i + 1)));
  });
  return { srv, got: () => Buffer.concat(got) };
}

test('tcp://: each chunk is one Buffer message; send writes raw bytes', { timeout: 10000 }, async () => {
  const { srv, got } = await scripted(['abc', 'def']);
  const conn = new AsyncTcpConnection(`tcp://127.0.0.1:${srv.port}`);
  const r = record(conn);
  try {
    assert.equal(conn.send('early'), null);
    conn.connect();
    // Each read chunk is one message (two writes 20 ms apart may still arrive in one read under load).
    await waitFor(() => Buffer.concat(r.messages as Buffer[]).toString() === 'abcdef', 'both chunks');
    assert.ok(r.messages.every((m) => Buffer.isBuffer(m)));
    assert.equal(r.messages[0]!.toString().startsWith('abc'), true);
    assert.equal(conn.send(new Uint8Array([33])), true);
    await waitFor(() => got().toString() === 'early!', 'server got bytes');
    assert.deepEqual(r.events.slice(0, 1), ['connect']);
  } finally {
    conn.destroy();
    await srv.close();
  }
});

test(
  'text://: lines split across and within reads (\\r and \\n in different reads too), \\r\\n stripped, send appends \\n',
  { timeout: 10000 },
  async () => {
    const { srv, got } = await scripted(['hel', 'lo\r\nwor', 'ld\r', '\nlast\n']);
    const conn = new AsyncTcpConnection(`text://127.0.0.1:${srv.port}`);
    const r = record(conn);
    try {
      conn.connect();
      conn.send('out');
      await waitFor(() => r.messages.length === 3, 'three lines');
      assert.deepEqual(r.messages, ['hello', 'world', 'last']);
      await waitFor(() => got().toString() === 'out\n', 'line out');
    } finally {
      conn.destroy();
      await srv.close();
    }
  },
);

test('frame://: 4-byte big-endian total length, split packages reassembled', { timeout: 10000 }, async () => {
  const two = Buffer.concat([framed('first'), framed('second')]);
  const { srv, got } = await scripted([two.subarray(0, 3), two.subarray(3, 12), two.subarray(12)]);
  const conn = new AsyncTcpConnection(`frame://127.0.0.1:${srv.port}`);
  const r = record(conn);
  try {
    conn.connect();
    conn.send('hi');
    await waitFor(() => r.messages.length === 2, 'two packages');
    assert.deepEqual(r.messages.map(String), ['first', 'second']);
    await waitFor(() => got().equals(framed('hi')), 'framed out');
  } finally {
    conn.destroy();
    await srv.close();
  }
});

test(
  'frame://: a 4 MiB package among small ones arrives whole and in order, assembled across many reads',
  { timeout: 20000 },
  async () => {
    const big = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i); // position markers: a misplaced byte shows
    const bodies = [Buffer.from('a'), big, Buffer.from('bb'), big.subarray(0, 70_001), Buffer.from('ccc')];
    const wire = Buffer.concat(bodies.map((body) => framed(body)));
    const srv = await startRawServer((s: Socket) => {
      // Odd piece sizes, so that headers and bodies are split at every kind of place.
      for (let at = 0, step = 3; at < wire.length; at += step, step = (step * 7 + 1) % 65_521 || 5)
        s.write(wire.subarray(at, at + step));
    });
    const conn = new AsyncTcpConnection<Buffer>(`frame://127.0.0.1:${srv.port}`, {
      maxPackageSize: 8 * 1024 * 1024,
    });
    const r = record(conn);
    try {
      conn.connect();
      await waitFor(() => r.messages.length === bodies.length, 'five packages', 15000);
      (r.messages as Buffer[]).forEach((m, i) =>
        assert.ok(m.equals(bodies[i]!), `package ${i} (${bodies[i]!.length} bytes) intact`),
      );
    } finally {
      conn.destroy();
      await srv.close();
    }
  },
);

test(
  'frame:// oversize length: PACKAGE_TOO_LARGE then onClose; text:// without newline past the limit too',
  { timeout: 10000 },
  async () => {
    const big = Buffer.alloc(8);
    big.writeUInt32BE(1_000_000, 0);
    const a = await scripted([big]);
    const b = await scripted(['x'.repeat(3000)]);
    const fa = new AsyncTcpConnection(`frame://127.0.0.1:${a.srv.port}`, { maxPackageSize: 1000 });
    const tb = new AsyncTcpConnection(`text://127.0.0.1:${b.srv.port}`, { maxPackageSize: 1000 });
    const ra = record(fa);
    const rb = record(tb);
    try {
      fa.connect();
      tb.connect();
      await waitFor(() => ra.closes === 1 && rb.closes === 1, 'both closed');
      assert.deepEqual(ra.events, ['connect', `error:${ConnectionError.PACKAGE_TOO_LARGE}`, 'close']);
      assert.deepEqual(rb.events, ['connect', `error:${ConnectionError.PACKAGE_TOO_LARGE}`, 'close']);
      assert.match(ra.errors[0]!.message, /1000000 bytes/);
    } finally {
      await a.srv.close();
      await b.srv.close();
    }
  },
);

test(
  'registerProtocol: a user protocol with Workerman input/decode/encode; a bad input() is a PROTOCOL_ERROR',
  { timeout: 10000 },
  async () => {
    // "len:payload" where len is one ASCII digit; '!' is invalid.
    const digit: Protocol<string, string> = {
      input(buf) {
        if (buf[0] === 0x21) return -1;
        return buf.length < 1 ? 0 : 2 + (buf[0]! - 48);
      },
      decode: (buf) => buf.toString('latin1', 2),
      encode: (data) => `${data.length}:${data}`,
    };
    AsyncTcpConnection.registerProtocol('digit', digit);
    assert.throws(() => AsyncTcpConnection.registerProtocol('ws', digit), TypeError);
    const { srv, got } = await scripted(['3:abc2:', 'xy!']);
    const conn = new AsyncTcpConnection<string>(`digit://127.0.0.1:${srv.port}`);
    const r = record(conn);
    try {
      conn.connect();
      conn.send('hey');
      await waitFor(() => r.closes === 1, 'closed on bad package');
      assert.deepEqual(r.messages, ['abc', 'xy']);
      assert.deepEqual(r.events, [
        'connect',
        'message',
        'message',
        `error:${ConnectionError.PROTOCOL_ERROR}`,
        'close',
      ]);
      assert.match(r.errors[0]!.message, /input\(\) returned -1/);
      assert.equal(got().toString(), '3:hey');
    } finally {
      await srv.close();
    }
  },
);
