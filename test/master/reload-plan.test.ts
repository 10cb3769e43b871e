// The reload's decisions (src/master/reload.ts planReload, reloadResult), without processes; the rolls
// themselves, with real workers, are in reload.test.ts and reload-concurrency.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReload, reloadResult } from '../../src/master/reload.js';

const slot = (name: string, reloadable: boolean, state: string, running: boolean) => ({
  name,
  definition: { index: 0, name, count: 1, reloadable, spare: 0 },
  state: state as 'ready',
  process: running ? ({} as never) : null,
});

test('planReload: reloadable slots with a process (or failed) roll; the others are notified; stopped slots are skipped', () => {
  const slots = [
    slot('a', true, 'ready', true),
    slot('b', false, 'ready', true),
    slot('c', true, 'failed', false),
    slot('d', true, 'waiting-restart', false),
    slot('e', false, 'failed', false),
  ];
  const { due, notify } = planReload(slots);
  assert.deepEqual(
    due.map((s) => s.name),
    ['a', 'c'],
  );
  assert.deepEqual(
    notify.map((s) => s.name),
    ['b', 'e'],
  );
});

const due = ['feed#0', 'feed#1', 'feed#2', 'feed#3'];

test('reloadResult: all replaced, nothing kept, not halted', () => {
  assert.deepEqual(reloadResult(due, new Set(due), ['bot#0'], [], { stopping: false, lanes: 2 }), {
    replaced: due,
    notified: ['bot#0'],
    halted: null,
    kept: [],
  });
});

test('reloadResult: halted at the first failure in slot order, whichever lane finished first; the rest kept', () => {
  const failures = [
    { index: 3, reason: 'replacement exited during start (code 3): boom' },
    { index: 1, reason: 'replacement exited during start (code 1)' },
  ];
  const result = reloadResult(due, new Set(['feed#0', 'feed#2']), [], failures, {
    stopping: false,
    lanes: 2,
  });
  assert.deepEqual(result, {
    replaced: ['feed#0', 'feed#2'],
    notified: [],
    halted: { slot: 'feed#1', reason: 'replacement exited during start (code 1)' },
    kept: ['feed#1', 'feed#3'],
  });
});

test('reloadResult: a timeout with two lanes says how to roll one at a time; with one lane it does not', () => {
  const failures = [{ index: 0, reason: 'replacement not ready after 1 s' }];
  const two = reloadResult(due, new Set(), [], failures, { stopping: false, lanes: 2 });
  assert.match(
    two.halted!.reason,
    /^replacement not ready after 1 s \(2 replacements were starting at the same time; Worker\.reloadConcurrency = 1 starts one at a time\)$/,
  );
  const one = reloadResult(due, new Set(), [], failures, { stopping: false, lanes: 1 });
  assert.equal(one.halted!.reason, 'replacement not ready after 1 s');
});

test('reloadResult: a stop during the roll halts it at the first kept slot; a stop after it changes nothing', () => {
  const cut = reloadResult(due, new Set(['feed#0']), [], [], { stopping: true, lanes: 1 });
  assert.deepEqual(cut.halted, { slot: 'feed#1', reason: 'the runtime began stopping' });
  assert.deepEqual(cut.kept, ['feed#1', 'feed#2', 'feed#3']);
  const done = reloadResult(due, new Set(due), [], [], { stopping: true, lanes: 1 });
  assert.equal(done.halted, null);
});
