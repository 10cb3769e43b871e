// Supervision with real processes: kill -9 of a worker (same slot, same id, onWorkerExit), a slot that
// keeps failing in onWorkerStart is marked failed (and a reload brings it back), SIGHUP after logrotate,
// Worker.stopAll() inside a worker, and kill -9 of the master (no orphans).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../helpers/processes.js';
import { isRunning } from '../../src/shared/pidfile.js';
import { cli, eventually, ping, readPid, readText, slotPid, testApp } from './cli-helpers.js';

const { app, script, pidFile, logFile } = testApp();

test('daemon: kill -9 of a worker, a failing slot, a reload that revives it, SIGHUP after a rotation', async () => {
  const start = await cli(script, ['start', '-d']);
  assert.equal(start.code, 0, start.output);
  const master = readPid(pidFile)!;
  try {
    // kill -9 of a worker: replaced at once in the same slot, onWorkerExit called with the signal.
    const victim = (await slotPid(master, 'feed', 1))!;
    process.kill(victim, 'SIGKILL');
    const replacement = await eventually(
      async () => {
        const pid = await slotPid(master, 'feed', 1);
        return pid !== victim ? pid : null;
      },
      10_000,
      'the replacement of feed#1',
    );
    assert.ok(isRunning(replacement));
    assert.match(
      readText(logFile),
      new RegExp(`worker feed#1 pid ${victim} exited: killed by SIGKILL, replacing it`),
    );
    await eventually(
      () =>
        readText(join(app.dir, 'out.log')).includes(
          `onWorkerExit feed code=null signal=SIGKILL pid=${victim}`,
        ),
      5000,
      'onWorkerExit',
    );

    // A slot whose replacements keep failing in onWorkerStart is marked failed, not crash-looped.
    writeFileSync(join(app.dir, 'broken'), '');
    process.kill((await slotPid(master, 'feed', 0))!, 'SIGKILL');
    await eventually(
      () =>
        /worker feed#0 failed to start 5 times in a row: broken on purpose; not restarting it/.test(
          readText(logFile),
        ),
      15_000,
      'the failed slot',
    );
    const { slots } = await ping(master);
    assert.equal(slots.find((s) => s.name === 'feed' && s.id === 0)?.state, 'failed');
    const status = await cli(script, ['status']);
    assert.equal(status.code, 0, status.output);
    assert.match(status.output, /failed/);

    // Fixed code + reload brings the failed slot back.
    rmSync(join(app.dir, 'broken'));
    const reload = await cli(script, ['reload']);
    assert.equal(reload.code, 0, reload.output);
    assert.ok(await slotPid(master, 'feed', 0));

    // logrotate: move the log away, SIGHUP, the master writes to a new file.
    renameSync(logFile, `${logFile}.1`);
    process.kill(master, 'SIGHUP');
    await eventually(
      () => /SIGHUP received: log file reopened/.test(readText(logFile)),
      5000,
      'the reopened log',
    );
    assert.match(readText(`${logFile}.1`), /starting app\.mjs \(daemon\)/);
    assert.doesNotMatch(readText(`${logFile}.1`), /SIGHUP/);
  } finally {
    const stop = await cli(script, ['stop']);
    assert.equal(stop.code, 0, stop.output);
  }
});

test('Worker.stopAll() inside a worker stops every process; the master exits 0 and removes the pid file', async () => {
  const master = run([script, 'start'], { cwd: app.dir, env: { STOP_ALL: '1' } });
  const { code } = await master.exited(20_000);
  assert.equal(code, 0, master.output());
  assert.match(master.output(), /onWorkerStop feed#0/); // the caller; feed#1 may not have started yet
  assert.match(master.output(), /master pid \d+ stopped/);
  assert.equal(existsSync(pidFile), false);
});

test('kill -9 of the master: every worker exits within 2 s; the pid file is then stale', async () => {
  const master = run([script, 'start'], { cwd: app.dir });
  await master.waitFor('Start success', 20_000);
  const { workers } = await ping(master.child.pid!);
  assert.equal(workers.length, 2);
  const killedAt = Date.now();
  master.child.kill('SIGKILL');
  // isRunning, not kill(pid, 0): an exited orphan is a zombie until PID 1 reaps it, and that is not ours to time.
  await eventually(() => !workers.some(isRunning), 2000, 'the workers to exit');
  const took = Date.now() - killedAt;
  assert.ok(took < 2000, `workers took ${took} ms`);
  const status = await cli(script, ['status']);
  assert.equal(status.code, 3);
  assert.match(status.output, /stale pid file .* is not running; removed it/);
});
