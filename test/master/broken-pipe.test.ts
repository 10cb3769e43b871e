// The reader of the foreground master's stdout goes away (`node app.js start | head`): the master and its
// workers, which print to the same pipe, keep running; nothing crashes on EPIPE, nothing is restarted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isRunning } from '../../src/shared/pidfile.js';
import { run } from '../helpers/processes.js';
import { cli, ping, readPid, testApp } from './cli-helpers.js';

const { script, pidFile } = testApp(`import { Worker, Timer } from 'workerman-ts';
const w = new Worker({ name: 'ticker', count: 2 });
w.onWorkerStart = (worker) => { Timer.add(0.05, () => console.log('tick ' + worker.id)); };
Worker.runAll();
`);

test('stdout closed under a foreground master: master and workers keep running, reload and stop still work', async () => {
  const master = run([script, 'start']);
  await master.waitFor(/Start success/);
  await master.waitFor(/tick 1/);
  const pid = readPid(pidFile)!;
  const before = (await ping(pid)).slots.map((s) => s.pid);
  master.child.stdout!.destroy(); // the reader is gone: every later write to that pipe fails with EPIPE
  await new Promise((r) => setTimeout(r, 600)); // ~10 ticks per worker into the broken pipe
  assert.ok(isRunning(pid), 'master alive');
  assert.deepEqual(
    (await ping(pid)).slots.map((s) => s.pid),
    before,
    'no worker died and was replaced',
  );
  const reload = await cli(script, ['reload']); // the master logs the roll to its (broken) stdout
  assert.equal(reload.code, 0, reload.output);
  const stop = await cli(script, ['stop']);
  assert.equal(stop.code, 0, stop.output);
  const { code } = await master.exited();
  assert.equal(code, 0, master.output());
  assert.doesNotMatch(master.output(), /EPIPE|uncaught/);
});
