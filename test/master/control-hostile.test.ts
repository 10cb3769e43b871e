// The control socket against a client that sends what it should not: non-objects, names of Object's own
// methods, a 50 MB line, 1,000 connections at once. The master answers each with an error and keeps working.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { controlSocketPath } from '../../src/shared/control/socket-path.js';
import { MAX_CONTROL_REQUEST_BYTES } from '../../src/shared/control/protocol.js';
import { isRunning } from '../../src/shared/pidfile.js';
import { cli, ping, readPid, testApp } from './cli-helpers.js';

const { script, pidFile } = testApp();
let masterPid = 0;

after(async () => {
  if (masterPid && isRunning(masterPid)) await cli(script, ['stop']);
});

/** Connect, write `data`, and collect reply lines until `replies` arrived or the master closed the socket. */
function exchange(
  pid: number,
  data: string | Buffer[],
  replies = 1,
  timeoutMs = 10_000,
): Promise<{ lines: unknown[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(controlSocketPath(pid));
    const lines: unknown[] = [];
    let buffered = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply within ${timeoutMs} ms (got ${JSON.stringify(lines)})`));
    }, timeoutMs);
    const done = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ lines, closed });
    };
    socket.on('data', (chunk) => {
      buffered += chunk.toString();
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buffered.slice(0, newline)));
        buffered = buffered.slice(newline + 1);
      }
      if (lines.length >= replies) done(false);
    });
    socket.on('error', () => undefined); // EPIPE/ECONNRESET while we still write: the master closed it
    socket.on('close', () => done(true));
    if (typeof data === 'string') socket.write(data);
    else {
      // Write as fast as the socket takes it, stop once the master closed the connection.
      let i = 0;
      const more = () => {
        while (i < data.length && !socket.destroyed) if (!socket.write(data[i++]!)) return;
      };
      socket.on('drain', more);
      more();
    }
  });
}

function rssOf(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) * 1024;
}

test('start a master to attack', async () => {
  const { code, output } = await cli(script, ['start', '-d']);
  assert.equal(code, 0, output);
  masterPid = readPid(pidFile)!;
  assert.ok(masterPid > 0);
});

test('non-object requests and the names of Object methods get an error; the master keeps answering', async () => {
  const bad = [
    'null',
    '1',
    '"ping"',
    '[]',
    'true',
    '{',
    '{"cmd":"constructor"}',
    '{"cmd":"toString"}',
    '{"cmd":"__proto__"}',
    '{"cmd":"hasOwnProperty"}',
    '{"cmd":"valueOf","id":7}',
    '{"cmd":1}',
    '{"cmd":null}',
    '{"cmd":"status","args":null}',
    '{"cmd":"status","args":[1]}',
    '{"cmd":"status","args":"x"}',
  ];
  for (const line of bad) {
    const { lines } = await exchange(masterPid, `${line}\n`);
    const reply = lines[0] as { ok: boolean; error: string };
    assert.equal(reply.ok, false, `${line} -> ${JSON.stringify(reply)}`);
    assert.match(reply.error, /malformed request|unknown command/, line);
    assert.ok(isRunning(masterPid), `the master died of ${line}`);
  }
  const { lines } = await exchange(masterPid, '{"cmd":"valueOf","id":7}\n');
  assert.deepEqual(lines[0], {
    id: 7,
    ok: false,
    error: 'unknown command "valueOf" (known: ping, status, connections, reload, stop)',
  });
  // All of them on one connection, then a good one: every line answered, in order.
  const all = await exchange(masterPid, `${bad.join('\n')}\n{"id":99,"cmd":"ping"}\n`, bad.length + 1);
  assert.equal(all.lines.length, bad.length + 1);
  const last = all.lines.at(-1) as { id: number; ok: boolean; result: { pid: number } };
  assert.equal(last.ok, true);
  assert.equal(last.result.pid, masterPid);
  assert.equal((await ping(masterPid)).pid, masterPid);
});

test('a 50 MB line is refused with an error, its connection closed, the master stays small', async () => {
  const before = rssOf(masterPid);
  const chunk = Buffer.alloc(1024 * 1024, 'a');
  const { lines, closed } = await exchange(masterPid, Array<Buffer>(50).fill(chunk));
  assert.equal(closed || lines.length === 1, true);
  assert.deepEqual(lines[0], {
    id: 0,
    ok: false,
    error: `request larger than ${MAX_CONTROL_REQUEST_BYTES} bytes; closing the connection`,
  });
  const grown = rssOf(masterPid) - before;
  assert.ok(grown < 100 * 1024 * 1024, `the master grew by ${Math.round(grown / 1e6)} MB`);
  // A line just under the cap (a big but valid request) is still read and answered.
  const padding = 'x'.repeat(MAX_CONTROL_REQUEST_BYTES - 100);
  const big = await exchange(masterPid, `{"id":3,"cmd":"ping","args":{"pad":"${padding}"}}\n`);
  assert.equal((big.lines[0] as { ok: boolean }).ok, true);
  assert.equal((await ping(masterPid)).pid, masterPid);
});

test('1,000 concurrent connections are all answered, and the master answers after them', async () => {
  const replies = await Promise.all(
    Array.from({ length: 1000 }, (_, i) => exchange(masterPid, `{"id":${i},"cmd":"ping"}\n`, 1, 60_000)),
  );
  replies.forEach(({ lines }, i) => {
    const reply = lines[0] as { id: number; ok: boolean };
    assert.equal(reply.id, i);
    assert.equal(reply.ok, true);
  });
  const status = await cli(script, ['status', '--json']);
  assert.equal(status.code, 0, status.output);
});

test('the master stops cleanly after all that', async () => {
  const { code, output } = await cli(script, ['stop']);
  assert.equal(code, 0, output);
  assert.equal(isRunning(masterPid), false);
});
