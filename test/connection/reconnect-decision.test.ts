// The reconnect decision (src/connection/reconnect.ts) and the state machine's transitions
// (src/connection/state.ts), without sockets; reconnect.test.ts has the same rules with real servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideReconnect, type CloseFacts } from '../../src/connection/reconnect.js';
import { canMove, checkMove } from '../../src/connection/state.js';
import { AsyncTcpConnection } from '../../src/connection/index.js';

const closed = (over: Partial<CloseFacts> = {}): CloseFacts => ({
  requestedDelay: null,
  policy: { initialDelay: 1, jitter: 'none' },
  userClosed: false,
  attempts: 0,
  openFor: 0,
  ...over,
});
const half = () => 0.5;

test('no policy: stay closed, unless reConnect(delay) asked for it', () => {
  for (const policy of [null, undefined, false] as const) {
    assert.deepEqual(decideReconnect(closed({ policy })), { delay: null, attempts: 0 });
  }
  assert.deepEqual(decideReconnect(closed({ policy: null, requestedDelay: 2 })), { delay: 2, attempts: 0 });
});

test('with a policy: the delay grows per attempt (jitter none), and full jitter draws below the cap', () => {
  assert.deepEqual(
    [0, 1, 2, 10].map((attempts) => decideReconnect(closed({ attempts })).delay),
    [1, 2, 4, 30],
  );
  const jittered = decideReconnect(closed({ policy: true, attempts: 2 }), half);
  assert.equal(jittered.delay, 0.5 * 4);
});

test('a close by the user, or maxAttempts reached, stays closed; a requested delay wins over both', () => {
  assert.equal(decideReconnect(closed({ userClosed: true })).delay, null);
  const capped = { initialDelay: 1, maxAttempts: 3 };
  assert.equal(decideReconnect(closed({ policy: capped, attempts: 3 })).delay, null);
  assert.equal(decideReconnect(closed({ policy: capped, attempts: 2 })).delay !== null, true);
  assert.equal(decideReconnect(closed({ userClosed: true, requestedDelay: 0 })).delay, 0);
});

test('an open that lasted resetAfter seconds resets the attempts before the delay is drawn', () => {
  const policy = { initialDelay: 1, jitter: 'none' as const, resetAfter: 10, maxAttempts: 5 };
  assert.deepEqual(decideReconnect(closed({ policy, attempts: 5, openFor: 10 })), { delay: 1, attempts: 0 });
  assert.deepEqual(decideReconnect(closed({ policy, attempts: 5, openFor: 9.9 })), {
    delay: null,
    attempts: 5,
  });
  // without a policy the reset is after 30 s, as with the default policy
  assert.equal(decideReconnect(closed({ policy: null, attempts: 4, openFor: 30 })).attempts, 0);
});

test('the state machine: the moves it has, and a move it does not have throws', () => {
  assert.ok(canMove('initial', 'connecting'));
  assert.ok(canMove('handshaking', 'open'));
  assert.ok(canMove('reconnecting', 'reconnecting'));
  assert.ok(!canMove('closing', 'open'));
  assert.ok(!canMove('closed', 'open'));
  assert.throws(() => checkMove('open', 'connecting'), /internal error: no transition open -> connecting/);
});

test("a connection's state and counters are read-only from outside", () => {
  const conn = new AsyncTcpConnection('ws://127.0.0.1:1');
  for (const key of [
    'state',
    'messagesIn',
    'messagesOut',
    'reconnectAttempts',
    'nextRetryAt',
    'closeCode',
    'lastError',
  ]) {
    assert.throws(
      () => ((conn as unknown as Record<string, unknown>)[key] = 'x'),
      TypeError,
      `${key} can be written`,
    );
  }
  assert.equal(conn.state, 'initial');
});
