// The supervisor's exit decision (src/master/restart-policy.ts), without processes: the same decisions
// test/master/supervise.test.ts sees real workers make.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideExit,
  describeExit,
  restartDelay,
  type ProcessExit,
  type RestartPolicy,
  type SlotHistory,
} from '../../src/master/restart-policy.js';

const policy: RestartPolicy = {
  maxStartFailures: 5,
  restartDelayMs: 200,
  maxRestartDelayMs: 30_000,
  resetAfterMs: 30_000,
};
const ready: SlotHistory = {
  readyAt: 1000,
  startedAt: 900,
  startFailures: 0,
  consecutiveCrashes: 0,
  lastError: null,
  configError: false,
  exitReason: null,
};
const booting: SlotHistory = { ...ready, readyAt: 0 };
const exit = (over: Partial<ProcessExit> = {}): ProcessExit => ({
  code: 1,
  signal: null,
  at: 2000,
  stopping: false,
  retired: false,
  ...over,
});

test('a retired process (reload) and an exit during a stop are not restarted', () => {
  assert.deepEqual(decideExit(ready, exit({ retired: true }), policy), { action: 'retired' });
  assert.deepEqual(decideExit(ready, exit({ stopping: true }), policy), { action: 'stopped' });
  // retired wins: a reload's old process exiting during a stop is still not the slot's
  assert.deepEqual(decideExit(ready, exit({ retired: true, stopping: true }), policy), { action: 'retired' });
});

test("a ready worker's first crash is replaced at once; the next ones back off, doubling up to the cap", () => {
  assert.deepEqual(decideExit(ready, exit({ code: 250 }), policy), {
    action: 'restart',
    delayMs: 0,
    startFailures: 0,
    consecutiveCrashes: 1,
    lastError: 'exit code 250 (uncaught exception)',
  });
  const delays = [1, 2, 3, 4, 12].map((crashes) => {
    const d = decideExit({ ...ready, consecutiveCrashes: crashes }, exit(), policy);
    assert.equal(d.action, 'restart');
    return d.action === 'restart' ? d.delayMs : -1;
  });
  assert.deepEqual(delays, [200, 400, 800, 1600, 30_000]);
});

test('a process that stayed up resetAfterMs resets the backoff', () => {
  const d = decideExit({ ...ready, consecutiveCrashes: 6 }, exit({ at: ready.startedAt + 30_000 }), policy);
  assert.deepEqual(d, {
    action: 'restart',
    delayMs: 0,
    startFailures: 0,
    consecutiveCrashes: 1,
    lastError: 'exit code 1',
  });
});

test('exits before ready count as start failures, keep the worker’s reason, and give up at the limit', () => {
  const first = decideExit({ ...booting, lastError: 'boom' }, exit({ code: 3 }), policy);
  assert.deepEqual(first, {
    action: 'restart',
    delayMs: 200,
    startFailures: 1,
    consecutiveCrashes: 0,
    lastError: 'boom',
  });
  // exit code 3 (START_FAILED) counts as a start failure even after a ready (onWorkerStart of a reload)
  assert.equal(decideExit(ready, exit({ code: 3 }), policy).action, 'restart');
  const last = decideExit({ ...booting, startFailures: 4 }, exit({ signal: 'SIGKILL', code: null }), policy);
  assert.deepEqual(last, {
    action: 'fail',
    reason: 'failed to start 5 times in a row: killed by SIGKILL',
    startFailures: 5,
    lastError: 'killed by SIGKILL',
  });
});

test('restartDelay and describeExit', () => {
  assert.equal(restartDelay(0, policy), 0);
  assert.equal(restartDelay(1, policy), 200);
  assert.equal(restartDelay(100, policy), 30_000);
  assert.equal(describeExit(0, null), 'exit code 0');
  assert.equal(describeExit(null, null), 'exit code unknown');
  assert.equal(describeExit(3, null), 'exit code 3 (onWorkerStart failed)');
});

test('a configuration error fails the slot at once; a hang kill says why instead of the signal', () => {
  assert.deepEqual(
    decideExit({ ...booting, lastError: 'bad port', configError: true }, exit({ code: 3 }), policy),
    {
      action: 'fail',
      reason: 'configuration error: bad port',
      startFailures: 1,
      lastError: 'bad port',
    },
  );
  const hung = decideExit(
    { ...ready, exitReason: 'unresponsive for 5.0 s' },
    exit({ code: null, signal: 'SIGKILL' }),
    policy,
  );
  assert.equal(hung.action === 'restart' && hung.lastError, 'unresponsive for 5.0 s');
});
