// The stop ladder with real processes: stop -g waits for a slow onWorkerStop; a stuck onWorkerStop is
// bounded by stopTimeout (graceful or not); a second stop signal during a graceful stop escalates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run } from '../helpers/processes.js';
import { cli, readText, testApp } from './cli-helpers.js';

const { app, script } = testApp();

test('stop -g waits for a slow onWorkerStop (1.5 s) in every worker, then exits 0', async () => {
  const start = await cli(script, ['start', '-d'], { STOP_DELAY_MS: '1500' });
  assert.equal(start.code, 0, start.output);
  const began = Date.now();
  const stop = await cli(script, ['stop', '-g']);
  assert.equal(stop.code, 0, stop.output);
  assert.ok(Date.now() - began >= 1500, 'stop returned before onWorkerStop finished');
  assert.match(stop.output, /stopping gracefully \(master pid \d+\)/);
  const out = readText(join(app.dir, 'out.log'));
  assert.match(out, /onWorkerStop done feed#0/);
  assert.match(out, /onWorkerStop done feed#1/);
});

test('an onWorkerStop that never returns is bounded by stopTimeout, graceful or not', async () => {
  for (const graceful of [false, true]) {
    const start = await cli(script, ['start', '-d'], { STOP_DELAY_MS: '-1', STOP_TIMEOUT: '2' });
    assert.equal(start.code, 0, start.output);
    const began = Date.now();
    const stop = await cli(script, graceful ? ['stop', '-g'] : ['stop']);
    const took = Date.now() - began;
    assert.equal(stop.code, 0, stop.output);
    assert.ok(took < 4500, `stop${graceful ? ' -g' : ''} took ${took} ms`);
  }
});

test('a second stop signal during a graceful stop kills every worker at once', async () => {
  const master = run([script, 'start'], { cwd: app.dir, env: { STOP_DELAY_MS: '-1', STOP_TIMEOUT: '30' } });
  await master.waitFor('Start success', 20_000);
  master.child.kill('SIGQUIT');
  await master.waitFor('onWorkerStop feed#1');
  const began = Date.now();
  master.child.kill('SIGTERM');
  const { code } = await master.exited(5000);
  assert.equal(code, 0);
  assert.ok(Date.now() - began < 3000);
  assert.match(master.output(), /SIGQUIT received: stopping gracefully/);
  assert.match(master.output(), /SIGTERM received during stop: killing every worker now/);
  assert.match(master.output(), /exited: killed by SIGKILL/);
});
