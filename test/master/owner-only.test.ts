// The control plane belongs to the user who started the master: its files are owner-only, another user's
// CLI is told whose master it is (exit 4), never "not running", and never removes its pid file.
// Needs root (to create a throwaway user); skipped with the reason otherwise.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { controlDirectory, controlSocketPath } from '../../src/shared/control/socket-path.js';
import { isRunning } from '../../src/shared/pidfile.js';
import { appSource, cli, readPid, testApp } from './cli-helpers.js';

const USER = `wmts${process.pid}`;
const skip =
  process.geteuid?.() !== 0
    ? 'needs root to create a throwaway user (run the suite as root to test another uid)'
    : spawnSync('sh', ['-c', 'command -v useradd && command -v userdel && command -v runuser']).status !== 0
      ? 'needs useradd, userdel and runuser'
      : false;
if (skip) console.log(`# owner-only tests skipped: ${skip}`);

const { app, script, pidFile, logFile } = testApp(appSource({ count: 1 }));
let uid = -1;
let masterPid = 0;

before(() => {
  if (skip) return;
  const made = spawnSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', USER], {
    encoding: 'utf8',
  });
  assert.equal(made.status, 0, made.stderr);
  uid = Number(spawnSync('id', ['-u', USER], { encoding: 'utf8' }).stdout.trim());
  chmodSync(app.dir, 0o755); // the other user must be able to read the start script
});

after(async () => {
  if (skip) return;
  if (masterPid && isRunning(masterPid)) await cli(script, ['stop']);
  spawnSync('userdel', [USER]);
  rmSync(join(dirname(controlDirectory()), `workerman-ts-${uid}`), { recursive: true, force: true });
});

/** `node <args>` as the throwaway user, to completion. */
function asUser(args: string[], cwd = app.dir): { code: number | null; output: string } {
  const r = spawnSync('runuser', ['-u', USER, '--', process.execPath, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

test('the pid file, log file, control socket and its directory are owner-only', { skip }, async () => {
  const started = await cli(script, ['start', '-d']);
  assert.equal(started.code, 0, started.output);
  masterPid = readPid(pidFile)!;
  assert.equal(statSync(pidFile).mode & 0o777, 0o600);
  assert.equal(statSync(logFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(app.dir, 'out.log')).mode & 0o777, 0o600);
  assert.equal(statSync(controlSocketPath(masterPid)).mode & 0o777, 0o600);
  assert.equal(statSync(controlDirectory()).mode & 0o777, 0o700);
});

test(
  'another user cannot connect to the control socket (file modes: Node has no SO_PEERCRED)',
  { skip },
  () => {
    const probe = `require('net').connect(${JSON.stringify(controlSocketPath(masterPid))})
    .on('connect', () => { console.log('CONNECTED'); process.exit(0); })
    .on('error', (e) => { console.log(e.code); process.exit(1); });`;
    const r = asUser(['-e', probe]);
    assert.match(r.output, /EACCES/);
    assert.doesNotMatch(r.output, /CONNECTED/);
  },
);

test(
  'status, stop, reload and connections by another user: "owned by uid 0", exit 4, pid file kept',
  { skip },
  () => {
    // A group- and world-writable pid directory: the other user could delete the pid file if the CLI tried.
    chmodSync(app.dir, 0o777);
    for (const readable of [false, true]) {
      // The pid file as we write it (0600: the other user cannot read the pid) and as older versions did (0644).
      chmodSync(pidFile, readable ? 0o644 : 0o600);
      for (const verb of ['status', 'stop', 'reload', 'connections']) {
        const { code, output } = asUser(['app.mjs', verb]);
        assert.equal(code, 4, `${verb}: ${output}`);
        const who = readable ? `the master \\(pid ${masterPid}\\)` : `the pid file .*`;
        assert.match(output, new RegExp(`${who} is owned by uid 0 \\(root\\); run as that user`), output);
        assert.doesNotMatch(output, /not running|stale/, output);
        assert.ok(existsSync(pidFile), `${verb} removed the pid file`);
        assert.ok(isRunning(masterPid), `${verb} stopped the master`);
      }
      // start says the same and starts nothing.
      const start = asUser(['app.mjs', 'start']);
      assert.notEqual(start.code, 0);
      assert.doesNotMatch(start.output, /Start success|stale/);
      assert.equal(readPid(pidFile), masterPid);
    }
    chmodSync(app.dir, 0o755);
    chmodSync(pidFile, 0o600);
  },
);

test('the owner still controls the master after all that', { skip }, async () => {
  const status = await cli(script, ['status', '--json']);
  assert.equal(status.code, 0, status.output);
  const stop = await cli(script, ['stop']);
  assert.equal(stop.code, 0, stop.output);
  assert.equal(isRunning(masterPid), false);
  assert.equal(existsSync(pidFile), false);
});

test('a control directory another user made first is refused: the master does not start', { skip }, () => {
  // Root plays the other user here: it makes the throwaway user's control directory before them.
  const theirs = join(dirname(controlDirectory()), `workerman-ts-${uid}`);
  rmSync(theirs, { recursive: true, force: true });
  mkdirSync(theirs, { mode: 0o777 });
  chmodSync(theirs, 0o777);
  const own = join(app.dir, 'theirs');
  mkdirSync(own);
  chownSync(own, uid, uid);
  const ownScript = join(own, 'app.mjs');
  spawnSync('cp', [script, ownScript]);
  spawnSync('ln', ['-s', join(app.dir, 'node_modules'), join(own, 'node_modules')]);
  const r = asUser(['app.mjs', 'start'], own);
  assert.equal(r.code, 1, r.output);
  assert.match(
    r.output,
    new RegExp(
      `start failed: .*the control directory ${theirs} is owned by uid 0, not by this user \\(uid ${uid}\\); remove it`,
    ),
  );
  assert.equal(existsSync(join(own, 'workerman.app.mjs.pid')), false);
});
