// The CLI verbs against real processes: start/-d, already running, not running, stale pid files, stop,
// restart, exit codes and the pid file's lifecycle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { BIN, run } from '../helpers/processes.js';
import { isRunning } from '../../src/shared/pidfile.js';
import { cli, ping, readPid, readText, testApp } from './cli-helpers.js';

const { app, script, pidFile, logFile } = testApp();

/** A pid that is certainly dead: a process that already exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

test('stop, status and reload exit 3 with "not running" when nothing runs', async () => {
  for (const verb of ['stop', 'status', 'reload']) {
    const { code, output } = await cli(script, [verb]);
    assert.equal(code, 3, `${verb}: ${output}`);
    assert.match(output, /workerman-ts\[app\.mjs\] not running/);
  }
  assert.equal(existsSync(pidFile), false);
});

test('--version and --help exit 0; an unknown verb exits 64', async () => {
  assert.match((await cli(script, ['--version'])).output, /^workerman-ts \d+\.\d+\.\d+/);
  const help = await cli(script, ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.output, /Exit codes: 0 done, 1 failed, 3 not running/);
  assert.equal((await cli(script, ['launch'])).code, 64);
});

test('the worker bin: --help and -h without a script print the usage and exit 0; no script exits 64', async () => {
  for (const flag of ['--help', '-h']) {
    const p = run([BIN, flag], { cwd: app.dir });
    assert.equal((await p.exited()).code, 0, p.output());
    assert.match(p.output(), /Usage: node <script> <command>[\s\S]*Exit codes: 0 done/);
    assert.doesNotMatch(p.output(), /no start script given/);
  }
  const none = run([BIN, 'start'], { cwd: app.dir });
  assert.equal((await none.exited()).code, 64);
  assert.match(none.output(), /worker: no start script given/);
});

test('a pid file with a dead pid is reported as stale and removed', async () => {
  const pid = deadPid();
  writeFileSync(pidFile, `${pid}\n`);
  const { code, output } = await cli(script, ['status']);
  assert.equal(code, 3);
  assert.match(output, new RegExp(`stale pid file .*: pid ${pid} is not running; removed it`));
  assert.match(output, /not running/);
  assert.equal(existsSync(pidFile), false);
});

test('the control socket a SIGKILLed master left behind is removed with its stale pid file', async () => {
  const { controlSocketPath, ensureControlDirectory } =
    await import('../../src/shared/control/socket-path.js');
  const pid = deadPid();
  ensureControlDirectory();
  writeFileSync(controlSocketPath(pid), ''); // what a master killed with SIGKILL leaves
  writeFileSync(pidFile, `${pid}\n`);
  const { code, output } = await cli(script, ['status']);
  assert.equal(code, 3, output);
  assert.equal(existsSync(controlSocketPath(pid)), false);
  assert.equal(existsSync(pidFile), false);
});

test('start -d: started after the workers are ready; already running; status; stop waits for everything', async () => {
  writeFileSync(pidFile, `${deadPid()}\n`); // a stale pid file is replaced, never trusted
  const start = await cli(script, ['start', '-d']);
  assert.equal(start.code, 0, start.output);
  assert.match(start.output, /stale pid file .* is not running; removed it/);
  const started = start.output.match(/started as a daemon, pid (\d+), 2 workers ready/);
  assert.ok(started, start.output);
  const masterPid = Number(started[1]);
  assert.equal(readPid(pidFile), masterPid);
  assert.equal(statSync(pidFile).mode & 0o022, 0, 'pid file is not group/world writable');
  assert.equal(statSync(logFile).mode & 0o022, 0, 'log file is not group/world writable');
  const { workers } = await ping(masterPid);
  assert.equal(workers.length, 2);
  assert.match(readText(join(app.dir, 'out.log')), /started feed#0 pid=\d+[\s\S]*|started feed#1/);

  const again = await cli(script, ['start', '-d']);
  assert.equal(again.code, 1);
  assert.match(again.output, new RegExp(`already running, pid ${masterPid}`));
  const foreground = await cli(script, ['start']);
  assert.equal(foreground.code, 1);
  assert.match(foreground.output, new RegExp(`already running, pid ${masterPid}`));

  const status = await cli(script, ['status']);
  assert.equal(status.code, 0, status.output);

  const stop = await cli(script, ['stop']);
  assert.equal(stop.code, 0, stop.output);
  assert.match(stop.output, new RegExp(`stopped \\(master pid ${masterPid} and 2 workers\\) in [\\d.]+ s`));
  assert.equal(existsSync(pidFile), false);
  for (const pid of [masterPid, ...workers]) assert.equal(isRunning(pid), false, `pid ${pid} still alive`);
  assert.match(
    readText(logFile),
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z master pid:\d+ master pid \d+ starting app\.mjs \(daemon\)$/m,
  );
  assert.match(readText(logFile), /SIGTERM received: stopping/);
});

test('status and connections with a pid file naming a live process that is not our master: stale, removed, exit 3', async () => {
  for (const verb of ['status', 'connections']) {
    writeFileSync(pidFile, `${process.pid}\n`); // the test runner: alive, no control socket
    const { code, output } = await cli(script, [verb]);
    assert.equal(code, 3, `${verb}: ${output}`);
    assert.match(output, new RegExp(`stale pid file .*: pid ${process.pid} is not a workerman-ts master`));
    assert.match(output, /not running/);
    assert.equal(existsSync(pidFile), false);
  }
});

test('a pid file naming a live process that is not our master is stale; start replaces it', async () => {
  writeFileSync(pidFile, `${process.pid}\n`); // the test runner: alive, not a workerman-ts master
  const start = await cli(script, ['start', '-d']);
  assert.equal(start.code, 0, start.output);
  assert.match(
    start.output,
    new RegExp(`stale pid file .*: pid ${process.pid} is not a workerman-ts master`),
  );
  const masterPid = readPid(pidFile)!;
  assert.notEqual(masterPid, process.pid);
  const stop = await cli(script, ['stop']);
  assert.equal(stop.code, 0, stop.output);
  assert.equal(isRunning(masterPid), false);
});

test('restart keeps a daemon a daemon and replaces every process', async () => {
  const first = await cli(script, ['start', '-d']);
  assert.equal(first.code, 0, first.output);
  const oldPid = readPid(pidFile)!;
  const { workers: oldWorkers } = await ping(oldPid);
  const restart = await cli(script, ['restart']);
  assert.equal(restart.code, 0, restart.output);
  assert.match(restart.output, /stopped \(master pid \d+ and 2 workers\)/);
  assert.match(restart.output, /it ran as a daemon: starting it as a daemon again/);
  const newPid = readPid(pidFile)!;
  assert.notEqual(newPid, oldPid);
  for (const pid of [oldPid, ...oldWorkers]) assert.equal(isRunning(pid), false);
  assert.equal((await cli(script, ['stop'])).code, 0);
  assert.equal(isRunning(newPid), false);
});

test('the foreground master writes the pid file too; stop from another terminal ends it with 0', async () => {
  const master = run([script, 'start'], { cwd: app.dir });
  await master.waitFor('Start success', 20_000);
  assert.equal(readPid(pidFile), master.child.pid);
  const stop = await cli(script, ['stop']);
  assert.equal(stop.code, 0, stop.output);
  assert.equal((await master.exited()).code, 0);
  assert.equal(existsSync(pidFile), false);
});

test('start -d whose workers cannot start exits 1 with the reason and leaves nothing behind', async () => {
  writeFileSync(join(app.dir, 'broken'), '');
  try {
    const start = await cli(script, ['start', '-d'], {}, 60_000);
    assert.equal(start.code, 1, start.output);
    assert.match(
      start.output,
      /start failed: worker feed#\d failed to start \d+ times in a row: broken on purpose/,
    );
    assert.equal(existsSync(pidFile), false);
  } finally {
    app.write('broken', '');
    spawnSync('rm', ['-f', join(app.dir, 'broken')]);
  }
});

test('started through the worker bin, the CLI suggests the bin for stopping (npx worker stop app.mjs)', async () => {
  const start = run([BIN, 'start', script, '-d'], { cwd: app.dir });
  assert.equal((await start.exited(30_000)).code, 0, start.output());
  assert.match(start.output(), /run "npx worker stop app\.mjs" to stop it/);
  const stop = run([BIN, 'stop', script], { cwd: app.dir });
  assert.equal((await stop.exited(30_000)).code, 0, stop.output());
});
