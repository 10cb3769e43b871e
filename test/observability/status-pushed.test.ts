// `status --pushed`: the counters the workers push every second, a worker asked only when its push is late
// (so a blocked worker still shows as busy); and the `counters` field and line that say where they came from.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run, type Running } from '../helpers/processes.js';
import type { StatusReport, WorkerStatus } from '../../src/master/status/report.js';

const app = useAppDir();

// "blocker" blocks its event loop for 6 s on SIGUSR2.
const script = app.write(
  'app.mjs',
  `import { Worker, Timer } from 'workerman-ts';
const feed = new Worker({ name: 'feed', count: 2 });
feed.onWorkerStart = () => { Timer.add(10, () => {}); };
const blocker = new Worker({ name: 'blocker' });
blocker.onWorkerStart = () => {
  process.on('SIGUSR2', () => { const t = Date.now(); while (Date.now() - t < 6000); });
};
Worker.runAll();
`,
);

async function status(args: string[]): Promise<string> {
  const cli = run([script, 'status', ...args], { cwd: app.dir });
  const { code } = await cli.exited(15_000);
  assert.equal(code, 0, cli.output());
  return cli.output();
}

const statusJson = async (args: string[]) => JSON.parse(await status(['--json', ...args])) as StatusReport;

const worker = (report: StatusReport, name: string, id: number): WorkerStatus => {
  const w = report.workers.find((x) => x.name === name && x.id === id);
  assert.ok(w, `no row for ${name}#${id}`);
  return w;
};

describe('status --pushed of a running master', () => {
  let master: Running;
  before(async () => {
    master = run([script, 'start'], { cwd: app.dir });
    await master.waitFor('Start success', 30_000);
    await new Promise((r) => setTimeout(r, 1200)); // every worker has pushed once
  });
  after(async () => {
    master.child.kill('SIGTERM');
    await master.exited(20_000).catch(() => undefined);
  });

  test('--json --pushed shows the pushed counters, how old they are, and how many workers were asked', async () => {
    const report = await statusJson(['--pushed']);
    assert.equal(report.counters.source, 'pushed');
    assert.ok(report.counters.asked >= 0 && report.counters.asked <= 3, `asked ${report.counters.asked}`);
    const ages = report.workers.map((w) => w.statsAge);
    for (const age of ages) assert.equal(typeof age, 'number');
    assert.equal(report.counters.oldestAge, Math.max(...(ages as number[])));
    for (const w of report.workers) assert.equal(w.state, 'ready', `${w.name}#${w.id}`);
    assert.equal(worker(report, 'feed', 0).timers, 1); // real counters, not placeholders
    // Without the flag every worker is asked, as before.
    const live = await statusJson([]);
    assert.deepEqual(
      { source: live.counters.source, asked: live.counters.asked },
      { source: 'live', asked: 3 },
    );
  });

  test('the table says where the counters came from and how old they are', async () => {
    assert.match(
      await status(['--pushed']),
      /^counters: as pushed by the workers, the oldest \d+\.\d\d s old \([0-3] of 3 asked now\)$/m,
    );
    assert.match(await status([]), /^counters: asked from 3 workers now, the oldest \d+\.\d\d s old$/m);
  });

  test('a blocked worker is asked once its push is late, and shows as busy', async () => {
    const before = await statusJson([]);
    process.kill(worker(before, 'blocker', 0).pid!, 'SIGUSR2');
    // Later than one push period plus the busy deadline (1.3 s): the blocker's push is late.
    await new Promise((r) => setTimeout(r, 1600));
    const report = await statusJson(['--pushed']);
    assert.match(worker(report, 'blocker', 0).state, /^(busy|unresponsive)$/);
    assert.ok(report.counters.asked >= 1, `asked ${report.counters.asked}`);
    assert.equal(worker(report, 'feed', 0).state, 'ready');
    assert.equal(report.totals.busy, 1);
  });
});

test('--pushed with a verb other than status is a usage error naming the flag', async () => {
  const cli = run([script, 'stop', '--pushed'], { cwd: app.dir });
  const { code } = await cli.exited();
  assert.equal(code, 64);
  assert.match(cli.output(), /--pushed applies to status only, not to stop/);
});
