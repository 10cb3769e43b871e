// Unit checks for the defence-in-depth URL mask and the CLI table helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskUrl } from '../../src/worker/stats.js';
import { formatBytes, formatDuration, renderTable, wantsColour } from '../../src/cli/table.js';
import { CONNECTION_COLUMNS } from '../../src/shared/messages.js';
import { connectionRow, expandConnections, isConnectionsTable } from '../../src/master/status/report.js';
import { lineReader } from '../../src/shared/control/protocol.js';

test('maskUrl hides credentials and secret query values, and leaves masked or clean URLs untouched', () => {
  assert.equal(maskUrl('wss://u:pw@h.example/x?token=abc&a=1'), 'wss://***:***@h.example/x?token=***&a=1');
  assert.equal(
    maskUrl('wss://h/x?listenKey=k&signature=s&limit=5'),
    'wss://h/x?listenKey=***&signature=***&limit=5',
  );
  for (const clean of ['ws://127.0.0.1:1', 'ws://***@h:1/s?token=***&symbol=***', 'not a url'])
    assert.equal(maskUrl(clean), clean);
});

test('colours only on a TTY and never with NO_COLOR; tables pad columns', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  assert.equal(wantsColour(tty, {}), true);
  assert.equal(wantsColour(tty, { NO_COLOR: '1' }), false);
  assert.equal(wantsColour({ isTTY: false } as NodeJS.WriteStream, {}), false);
  const table = renderTable(
    [
      { title: 'name', value: (r: number) => `w${r}` },
      { title: 'n', value: (r) => String(r * 100), right: true },
    ],
    [1, 22],
    false,
  );
  assert.equal(table, 'name     n\nw1     100\nw22   2200');
  assert.equal(formatBytes(1536), '1.5K');
  assert.equal(formatDuration(3725), '1h02m');
});

test('the compact connections table expands into the documented ConnectionsReport, field for field', () => {
  const info = {
    id: 7,
    kind: 'client',
    protocol: 'ws',
    url: 'ws://***@h:1/s?token=***',
    listen: null,
    state: 'open',
    localAddress: '127.0.0.1:5000',
    remoteAddress: '127.0.0.1:1',
    bytesIn: 10,
    bytesOut: 2,
    messagesIn: 1,
    messagesOut: 0,
    queuedBytes: 0,
    reconnectAttempts: 0,
    nextRetryAt: null,
    openedAt: 1700000000000,
    lastMessageAt: null,
    closeCode: null,
    closeReason: '',
    lastError: { code: 1, message: 'x' },
  } as const;
  assert.deepEqual([...CONNECTION_COLUMNS].sort(), Object.keys(info).sort());
  const worker = { name: 'feed', id: 0, pid: 42 };
  const table: unknown = JSON.parse(
    JSON.stringify({
      time: 5,
      columns: CONNECTION_COLUMNS,
      workers: [{ worker, rows: [connectionRow(info)] }],
      busy: [],
    }),
  );
  assert.ok(isConnectionsTable(table));
  const report = expandConnections(table);
  assert.deepEqual(report, { time: 5, connections: [{ worker, ...info }], busy: [] });
  assert.deepEqual(Object.keys(report.connections[0]!), ['worker', ...CONNECTION_COLUMNS]);
});

test('streamed parts arrive as workers answer; the report lists them in slot order', () => {
  const row = (id: number) => CONNECTION_COLUMNS.map((c) => (c === 'id' ? id : null));
  const first = { name: 'feed', id: 0, pid: 500 };
  const second = { name: 'feed', id: 1, pid: 400 };
  const table = {
    time: 1,
    columns: [...CONNECTION_COLUMNS],
    busy: [],
    order: [500, 400],
    workers: [
      { worker: second, rows: [row(2)] },
      { worker: first, rows: [row(1)] },
    ],
  };
  assert.deepEqual(
    expandConnections(table).connections.map((c) => [c.worker.id, c.id]),
    [
      [0, 1],
      [1, 2],
    ],
  );
});

test('lineReader: a line split across chunks (even inside a UTF-8 character) arrives whole, once', () => {
  const lines: string[] = [];
  const feed = lineReader((line) => lines.push(line));
  const bytes = Buffer.from('{"a":"é"}\n\n{"b":1}\n{"c"');
  for (let i = 0; i < bytes.length; i++) feed(bytes.subarray(i, i + 1)); // byte by byte: splits é
  feed(Buffer.from(':2}\n'));
  assert.deepEqual(lines, ['{"a":"é"}', '{"b":1}', '{"c":2}']);
});
