// Rolling reload replaces `Worker.reloadConcurrency` slots at the same time (default 2), each one
// make-before-break; 1 rolls strictly one slot after the other. Observed from the replacements' own log:
// each writes when its onWorkerStart begins and when it is ready (1 s later).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning } from '../../src/shared/pidfile.js';
import { cli, eventually, ping, readPid, readText, testApp, type TestApp } from './cli-helpers.js';

const source = `import { Worker } from 'workerman-ts';
import { appendFileSync, existsSync } from 'node:fs';
const here = (f) => new URL(f, import.meta.url).pathname;
Worker.stdoutFile = here('out.log');
if (process.env.RELOAD_CONCURRENCY) Worker.reloadConcurrency = Number(process.env.RELOAD_CONCURRENCY);
if (process.env.READY_TIMEOUT) Worker.readyTimeout = Number(process.env.READY_TIMEOUT);
const w = new Worker({ name: 'feed', count: Number(process.env.COUNT ?? 3) });
w.onWorkerStart = async (worker) => {
  if (worker.id === 1 && existsSync(here('broken1'))) throw new Error('slot 1 broken on purpose');
  if (existsSync(here('hang'))) await new Promise(() => {});
  if (!existsSync(here('slow'))) return;
  appendFileSync(here('starts.log'), 'begin ' + worker.id + ' ' + Date.now() + '\\n');
  await new Promise((r) => setTimeout(r, 1000));
  appendFileSync(here('starts.log'), 'ready ' + worker.id + ' ' + Date.now() + '\\n');
};
Worker.runAll();
`;

/** The most replacements that were starting at the same moment, from the begin/ready lines. */
function mostAtOnce(log: string): number {
  const events = log
    .trim()
    .split('\n')
    .map((line) => line.split(' '))
    .map(([kind, , at]) => ({ delta: kind === 'begin' ? 1 : -1, at: Number(at) }))
    .sort((a, b) => a.at - b.at || a.delta - b.delta); // a ready at the same ms as a begin counts first
  let now = 0;
  let most = 0;
  for (const { delta } of events) most = Math.max(most, (now += delta));
  return most;
}

/**
 * A daemon of `source` started with `env` for the length of `body`, which gets the app and a `marker(name)`
 * that creates a marker file the workers look for; markers are removed and the daemon stopped afterwards.
 */
async function withDaemon(
  env: Record<string, string>,
  body: (app: TestApp, marker: (name: string) => void) => Promise<void>,
): Promise<void> {
  const app = testApp(source);
  const start = await cli(app.script, ['start', '-d'], env);
  assert.equal(start.code, 0, start.output);
  const markers: string[] = [];
  try {
    await body(app, (name) => {
      markers.push(name);
      writeFileSync(join(app.app.dir, name), '');
    });
  } finally {
    for (const name of markers) rmSync(join(app.app.dir, name), { force: true });
    const stop = await cli(app.script, ['stop']);
    assert.ok(stop.code === 0 || /not running/.test(stop.output), stop.output);
  }
}

for (const { concurrency, expected } of [
  { concurrency: '', expected: 2 },
  { concurrency: '1', expected: 1 },
]) {
  test(`reload with reloadConcurrency ${concurrency || 'default (2)'}: at most ${expected} replacement(s) starting at once, all replaced`, async () => {
    const env = { RELOAD_CONCURRENCY: concurrency };
    await withDaemon(env, async ({ app, script }, marker) => {
      marker('slow');
      const reload = await cli(script, ['reload'], env);
      assert.equal(reload.code, 0, reload.output);
      assert.match(reload.output, /reloaded: replaced feed#0, feed#1, feed#2/);
      const log = readText(join(app.dir, 'starts.log'));
      assert.equal(log.match(/^ready/gm)?.length, 3, log);
      assert.equal(mostAtOnce(log), expected, log);
    });
  });
}

test('a halt with two lanes: no further slot starts, the other lane finishes, the rest keep their old processes', async () => {
  const env = { COUNT: '4' };
  await withDaemon(env, async ({ script, pidFile }, marker) => {
    const master = readPid(pidFile)!;
    const pids = async () =>
      Object.fromEntries((await ping(master)).slots.map((s) => [`${s.name}#${s.id}`, s.pid]));
    const before = await pids();
    // The other lane's slots take 1 s each, so slot 1 fails before that lane could start feed#3
    // (with fast starts the lane raced through feed#2 and feed#3 on a quick machine).
    marker('slow');
    marker('broken1');
    const reload = await cli(script, ['reload'], env);
    assert.equal(reload.code, 1, reload.output);
    assert.match(
      reload.output,
      /reload halted at feed#1: replacement exited during start \(code 3\): slot 1 broken on purpose/,
    );
    // feed#0 (the other lane) finished; feed#2 may have started before feed#1 failed; feed#3 never did.
    const [, replaced, kept] = /replaced: (.*); still on their old processes: (.*)/.exec(reload.output) ?? [];
    assert.ok(replaced?.startsWith('feed#0'), reload.output);
    assert.match(kept ?? '', /feed#1.*feed#3$/, reload.output);
    const after = await pids();
    for (const slot of kept!.split(', ')) {
      assert.equal(after[slot], before[slot], `${slot} keeps its process`);
      assert.ok(isRunning(after[slot]!), `${slot} alive`);
    }
    for (const slot of replaced!.split(', ')) assert.notEqual(after[slot], before[slot], `${slot} replaced`);
  });
});

test('replacements that run out of readyTimeout while starting two at a time: the halt says how to roll one by one', async () => {
  const env = { READY_TIMEOUT: '1' };
  await withDaemon(env, async ({ script }, marker) => {
    marker('hang');
    const reload = await cli(script, ['reload'], env);
    assert.equal(reload.code, 1, reload.output);
    assert.match(
      reload.output,
      /reload halted at feed#0: replacement not ready after 1 s \(2 replacements were starting at the same time; Worker\.reloadConcurrency = 1 starts one at a time\)/,
    );
  });
});

test("reload uses the start script's reloadConcurrency as it is now, not as it was at start", async () => {
  await withDaemon({}, async ({ app, script }, marker) => {
    marker('slow'); // started with the default, 2; the script now says 1:
    const reload = await cli(script, ['reload'], { RELOAD_CONCURRENCY: '1' });
    assert.equal(reload.code, 0, reload.output);
    assert.equal(mostAtOnce(readText(join(app.dir, 'starts.log'))), 1);
  });
});

test('a stop during a reload: the reload fails (exit 1) and says it was interrupted, the stop succeeds', async () => {
  await withDaemon({}, async ({ app, script }, marker) => {
    marker('slow'); // each replacement takes 1 s to be ready
    const reloading = cli(script, ['reload']);
    await eventually(
      () => /^begin/m.test(readText(join(app.dir, 'starts.log'))),
      10_000,
      'a replacement starting',
    );
    const stop = await cli(script, ['stop']);
    const reload = await reloading;
    assert.equal(stop.code, 0, stop.output);
    assert.equal(reload.code, 1, reload.output);
    assert.match(
      reload.output,
      /reload failed: reload interrupted: the runtime began stopping; replaced before that: none/,
    );
  });
});
