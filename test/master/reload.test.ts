// Rolling reload through the CLI and SIGUSR1: ids kept and pids changed, a replacement that throws
// halts the roll and the old processes keep running, reloadable = false only runs onWorkerReload,
// a reload asked for during a reload runs after it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { killAll, makeAppDir } from '../helpers/processes.js';
import { isRunning } from '../../src/shared/pidfile.js';
import { appSource, cli, eventually, killGroup, ping, readPid, readText } from './cli-helpers.js';

const app = makeAppDir();
const script = app.write(
  'app.mjs',
  appSource({
    extra: `const keeper = new Worker({ name: 'keeper', reloadable: false });
keeper.onWorkerReload = (worker) => console.log('onWorkerReload ' + worker.name + '#' + worker.id);`,
  }),
);
const pidFile = join(app.dir, 'workerman.app.mjs.pid');
let master = 0;
before(async () => {
  const start = await cli(script, ['start', '-d']);
  assert.equal(start.code, 0, start.output);
  master = readPid(pidFile)!;
});
after(async () => {
  await cli(script, ['stop']).catch(() => undefined);
  killGroup(readPid(pidFile));
  killAll();
  app.remove();
});

async function pidsBySlot(): Promise<Record<string, number | null>> {
  const { slots } = await ping(master);
  return Object.fromEntries(slots.map((s) => [`${s.name}#${s.id}`, s.state === 'ready' ? s.pid : null]));
}

test('reload replaces every reloadable slot (same ids, new pids); reloadable = false keeps its process', async () => {
  const before = await pidsBySlot();
  const reload = await cli(script, ['reload']);
  assert.equal(reload.code, 0, reload.output);
  assert.match(reload.output, /reloaded: replaced feed#0, feed#1/);
  assert.match(reload.output, /ran onWorkerReload \(reloadable = false\): keeper#0/);
  const after = await pidsBySlot();
  assert.deepEqual(Object.keys(after), ['feed#0', 'feed#1', 'keeper#0']);
  assert.notEqual(after['feed#0'], before['feed#0']);
  assert.notEqual(after['feed#1'], before['feed#1']);
  assert.equal(after['keeper#0'], before['keeper#0']);
  for (const slot of ['feed#0', 'feed#1'])
    assert.equal(isRunning(before[slot]!), false, `old ${slot} stopped`);
  await eventually(
    () => /onWorkerReload keeper#0/.test(readText(join(app.dir, 'out.log'))),
    5000,
    'onWorkerReload',
  );
});

test('a replacement that throws in onWorkerStart halts the roll; the old processes keep running', async () => {
  const before = await pidsBySlot();
  writeFileSync(join(app.dir, 'broken'), '');
  try {
    const reload = await cli(script, ['reload']);
    assert.equal(reload.code, 1, reload.output);
    assert.match(
      reload.output,
      /reload halted at feed#0: replacement exited during start \(code 3\): broken on purpose/,
    );
    // Both feed slots were replaced at once (reloadConcurrency 2): both replacements failed.
    assert.match(reload.output, /replaced: none; still on their old processes: feed#0, feed#1/);
  } finally {
    rmSync(join(app.dir, 'broken'));
  }
  assert.deepEqual(await pidsBySlot(), before);
  for (const pid of Object.values(before)) assert.ok(isRunning(pid!));
});

test('kill -USR1 <master pid> reloads; a second reload during a reload is queued, not lost', async () => {
  const before = await pidsBySlot();
  process.kill(master, 'SIGUSR1');
  await eventually(
    async () => {
      const now = await pidsBySlot();
      return (
        now['feed#0'] !== before['feed#0'] && now['feed#1'] !== before['feed#1'] && now['feed#1'] !== null
      );
    },
    15_000,
    'the SIGUSR1 reload',
  );
  assert.match(readText(join(app.dir, 'workerman.log')), /SIGUSR1 received: reloading/);

  writeFileSync(join(app.dir, 'slow'), ''); // each replacement takes 400 ms: the rolls overlap
  try {
    const [first, second] = await Promise.all([cli(script, ['reload']), cli(script, ['reload', '-g'])]);
    assert.equal(first.code, 0, first.output);
    assert.equal(second.code, 0, second.output);
    assert.match(first.output + second.output, /another reload was running; this one ran after it/);
    assert.match(first.output, /reloaded: replaced feed#0, feed#1/);
    assert.match(second.output, /reloaded: replaced feed#0, feed#1/);
  } finally {
    rmSync(join(app.dir, 'slow'));
  }
});
