// Unit checks for the defence-in-depth URL mask and the CLI table helpers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskUrl } from '../../src/worker/stats.js';
import { formatBytes, formatDuration, renderTable, wantsColour } from '../../src/master/cli/table.js';

test('maskUrl hides credentials and secret query values, and leaves masked or clean URLs untouched', () => {
  assert.equal(maskUrl('wss://u:pw@h.example/x?token=abc&a=1'), 'wss://***:***@h.example/x?token=***&a=1');
  assert.equal(maskUrl('wss://h/x?listenKey=k&signature=s&limit=5'), 'wss://h/x?listenKey=***&signature=***&limit=5');
  for (const clean of ['ws://127.0.0.1:1', 'ws://***@h:1/s?token=***&symbol=***', 'not a url']) assert.equal(maskUrl(clean), clean);
});

test('colours only on a TTY and never with NO_COLOR; tables pad columns', () => {
  const tty = { isTTY: true } as NodeJS.WriteStream;
  assert.equal(wantsColour(tty, {}), true);
  assert.equal(wantsColour(tty, { NO_COLOR: '1' }), false);
  assert.equal(wantsColour({ isTTY: false } as NodeJS.WriteStream, {}), false);
  const table = renderTable([{ title: 'name', value: (r: number) => `w${r}` }, { title: 'n', value: (r) => String(r * 100), right: true }], [1, 22], false);
  assert.equal(table, 'name     n\nw1     100\nw22   2200');
  assert.equal(formatBytes(1536), '1.5K');
  assert.equal(formatDuration(3725), '1h02m');
});
