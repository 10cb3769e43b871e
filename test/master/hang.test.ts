// A worker whose event loop is blocked (`while (true) {}` in a timer callback): status marks it
// `unresponsive`, `Worker.hangTimeout` replaces it, and without it `stop` and `reload` still finish within
// the stop ladder (SIGKILL at stopTimeout).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { StatusReport } from '../../src/master/status/report.js';
import { appSource, cli, eventually, readPid, readText, testApp } from './cli-helpers.js';

// Slot 0's first process blocks its event loop 2.5 s after it is ready (after its first stats pushes) (a marker file makes it once only).
const { app, script, pidFile, logFile } = testApp(
  appSource({
    count: 2,
    extra: `import { writeFileSync } from 'node:fs';
Worker.hangTimeout = Number(process.env.HANG_TIMEOUT ?? 0);
w.onWorkerStart = ((start) => async (worker) => {
  await start(worker);
  if (worker.id === 0 && !existsSync(here('hung-once'))) {
    writeFileSync(here('hung-once'), String(process.pid));
    setTimeout(() => { for (;;) {} }, 2500);
  }
})(w.onWorkerStart);`,
  }),
);

async function status(): Promise<StatusReport> {
  const { code, output } = await cli(script, ['status', '--json']);
  assert.equal(code, 0, output);
  return JSON.parse(output) as StatusReport;
}

function slot0(report: StatusReport) {
  return report.workers.find((w) => w.id === 0 && w.state !== 'reloading')!;
}

async function startWithHang(env: NodeJS.ProcessEnv): Promise<number> {
  rmSync(join(app.dir, 'hung-once'), { force: true });
  const { code, output } = await cli(script, ['start', '-d'], env);
  assert.equal(code, 0, output);
  return Number(
    readText(join(app.dir, 'hung-once')) || (await eventually(() => readText(join(app.dir, 'hung-once')))),
  );
}

test('hangTimeout off (default): the hung worker shows unresponsive and stays; stop ends it within stopTimeout', async () => {
  const hungPid = await startWithHang({ STOP_TIMEOUT: '2' });
  const seen = await eventually(
    async () => {
      const w = slot0(await status());
      return w.state === 'unresponsive' ? w : null;
    },
    15_000,
    'slot 0 unresponsive',
  );
  assert.equal(seen.pid, hungPid);
  assert.ok((seen.statsAge ?? 0) >= 3, `statsAge ${seen.statsAge}`);
  const report = await status();
  assert.equal(report.totals.busy, 1);
  assert.equal(report.workers.find((w) => w.id === 1)!.state, 'ready', 'the other worker is not affected');
  // Off means off: a few seconds later it is still the same process.
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal(slot0(await status()).pid, hungPid);

  const started = Date.now();
  const stop = await cli(script, ['stop']);
  assert.equal(stop.code, 0, stop.output);
  assert.ok(Date.now() - started < 2000 + 5000, 'within the stop ladder');
  assert.match(readText(logFile), new RegExp(`worker feed#0 pid ${hungPid} exited: killed by SIGKILL`));
});

test('hangTimeout = 4: the hung worker is killed and its slot replaced, with the reason in status', async () => {
  const hungPid = await startWithHang({ HANG_TIMEOUT: '4' });
  const replaced = await eventually(
    async () => {
      const w = slot0(await status());
      return w.pid !== hungPid && w.state === 'ready' ? w : null;
    },
    20_000,
    'slot 0 replaced',
  );
  assert.equal(replaced.restarts, 1);
  assert.match(replaced.lastError ?? '', /unresponsive for \d+\.\d s .*killed after hangTimeout 4 s/);
  assert.match(
    readText(logFile),
    new RegExp(
      `worker feed#0 pid ${hungPid} unresponsive for \\d+\\.\\d s \\(no stats: event loop blocked\\)`,
    ),
  );
  const stop = await cli(script, ['stop']);
  assert.equal(stop.code, 0, stop.output);
});

test('reload with a hung worker finishes: the old process is killed at stopTimeout', async () => {
  const hungPid = await startWithHang({ STOP_TIMEOUT: '2' });
  await eventually(async () => slot0(await status()).state === 'unresponsive', 15_000, 'unresponsive');
  const reload = await cli(script, ['reload']);
  assert.equal(reload.code, 0, reload.output);
  assert.match(reload.output, /reloaded: replaced feed#0, feed#1/);
  const after = slot0(await status());
  assert.notEqual(after.pid, hungPid);
  assert.equal(after.state, 'ready');
  const stop = await cli(script, ['stop']);
  assert.equal(stop.code, 0, stop.output);
  assert.equal(readPid(pidFile), null);
});
