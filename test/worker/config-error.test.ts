// A configuration error thrown from onWorkerStart (bad URL, unknown scheme, header with CR/LF, a ConfigError
// of the app's own) fails the slot on the first try, with one clear reason and no stack trace; a genuine
// crash in onWorkerStart keeps the retries with backoff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
// From the package entry (the bundle), as users import them: one copy of each class.
import { AsyncTcpConnection, ConfigError, isConfigError, CONFIG_ERROR_CODE } from '../../src/index.js';
import { useAppDir } from '../helpers/processes.js';
import { cli } from '../master/cli-helpers.js';

const app = useAppDir();
const script = app.write(
  'app.mjs',
  `import { Worker, AsyncTcpConnection, ConfigError } from 'workerman-ts';
const w = new Worker({ name: 'feed', count: 2 });
w.onWorkerStart = () => {
  switch (process.env.CASE) {
    case 'scheme': return void new AsyncTcpConnection('bogus://127.0.0.1:1').connect();
    case 'url': return void new AsyncTcpConnection('ws://127.0.0.1:99999999/x').connect();
    case 'header': { const c = new AsyncTcpConnection('ws://127.0.0.1:1'); c.headers = { 'X-Token': 'a\\r\\nInjected: 1' }; return; }
    case 'own': throw new ConfigError('port 8080 already in use');
    case 'coded': throw Object.assign(new Error('no API key configured'), { code: 'ERR_WORKERMAN_CONFIG' });
    case 'crash': throw new Error('flaky start');
  }
};
Worker.runAll();
`,
);

/** How many processes the master forked, from its "started, pid" log lines. */
function forks(output: string): number {
  return output.match(/worker feed#\d started, pid/g)?.length ?? 0;
}

const CASES: [string, RegExp][] = [
  ['scheme', /AsyncTcpConnection: unknown scheme "bogus:\/\/"/],
  ['url', /AsyncTcpConnection: (port 99999999 out of range|malformed url)/],
  ['header', /AsyncTcpConnection: header "X-Token" value contains CR, LF or NUL/],
  ['own', /port 8080 already in use/],
  ['coded', /no API key configured/],
];

for (const [name, reason] of CASES) {
  test(`a configuration error (${name}) fails the start on the first try, without a stack trace`, async () => {
    const started = Date.now();
    const { code, output } = await cli(script, ['start'], { CASE: name });
    assert.equal(code, 1, output);
    assert.equal(forks(output), 2, `one process per slot, none retried:\n${output}`);
    assert.match(output, new RegExp(`start failed: worker feed#\\d configuration error: ${reason.source}`));
    assert.doesNotMatch(output, /\n\s+at /, `no stack trace:\n${output}`);
    assert.doesNotMatch(output, /failed to start \d+ times|replacing it/);
    assert.doesNotMatch(output, /Injected: 1/, 'the header value is never printed');
    // Without the retries (200 + 400 + 800 + 1600 ms of backoff) this takes well under the backoff's 3 s.
    assert.ok(Date.now() - started < 15_000);
  });
}

test('WORKERMAN_TS_STACK=1 prints the stack of a configuration error too', async () => {
  const { code, output } = await cli(script, ['start'], { CASE: 'own', WORKERMAN_TS_STACK: '1' });
  assert.equal(code, 1, output);
  assert.match(output, /onWorkerStart failed: ConfigError: port 8080 already in use\n\s+at /);
  assert.equal(forks(output), 2);
});

test('a genuine crash in onWorkerStart is still retried with backoff before the slot is failed', async () => {
  const { code, output } = await cli(script, ['start'], { CASE: 'crash' });
  assert.equal(code, 1, output);
  assert.match(output, /failed to start 5 times in a row: flaky start/);
  assert.ok(forks(output) >= 6, `retried:\n${output}`);
  assert.match(output, /Error: flaky start\n\s+at /, 'a crash keeps its stack trace');
});

test('the connection layer throws ConfigError (still a TypeError) with the documented code', () => {
  for (const make of [
    () => new AsyncTcpConnection('bogus://127.0.0.1:1'),
    () => new AsyncTcpConnection('not a url'),
    () => {
      new AsyncTcpConnection('ws://127.0.0.1:1').headers = { X: 'a\nb' };
    },
  ]) {
    assert.throws(make, (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.ok(err instanceof TypeError);
      assert.equal(err.code, CONFIG_ERROR_CODE);
      assert.ok(isConfigError(err));
      return true;
    });
  }
  assert.equal(CONFIG_ERROR_CODE, 'ERR_WORKERMAN_CONFIG');
  assert.equal(isConfigError(new Error('x')), false);
  assert.equal(isConfigError(null), false);
});
