// `status`: real master + workers, asked through the CLI (control socket) and through Runtime#status().
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run, type Running } from '../helpers/processes.js';
import type { StatusReport, WorkerStatus } from '../../src/master/status/report.js';

const app = useAppDir();

// feed#0 idles, feed#1 spins ~90% of the time, "blocker" blocks its event loop for 8 s on SIGUSR2.
const script = app.write(
  'app.mjs',
  `import { Worker, Timer } from 'workerman-ts';
const feed = new Worker({ name: 'feed', count: 2 });
feed.onWorkerStart = (worker) => {
  Timer.add(10, () => {});
  Timer.add(10, () => {});
  if (worker.id === 1) setInterval(() => { const t = Date.now(); while (Date.now() - t < 90); }, 100);
};
const blocker = new Worker({ name: 'blocker' });
blocker.onWorkerStart = () => {
  process.on('SIGUSR2', () => { const t = Date.now(); while (Date.now() - t < 8000); });
};
Worker.runAll();
`,
);

async function statusJson(): Promise<{ report: StatusReport; stdout: string; ms: number }> {
  const started = Date.now();
  const cli = run([script, 'status', '--json'], { cwd: app.dir });
  const { code } = await cli.exited(15_000);
  assert.equal(code, 0, cli.output());
  const stdout = cli.output();
  return { report: JSON.parse(stdout) as StatusReport, stdout, ms: Date.now() - started };
}

const worker = (report: StatusReport, name: string, id: number): WorkerStatus => {
  const w = report.workers.find((x) => x.name === name && x.id === id && x.state !== 'reloading');
  assert.ok(w, `no row for ${name}#${id}`);
  return w;
};

describe('status of a running master', () => {
  let master: Running;
  before(async () => {
    master = run([script, 'start'], { cwd: app.dir });
    await master.waitFor('Start success', 30_000);
  });
  after(async () => {
    master.child.kill('SIGTERM');
    await master.exited(20_000).catch(() => undefined);
  });

  test('--json prints exactly one document with the master, every slot and real CPU/memory', async () => {
    // Right after "Start success": every process already has a CPU figure (its average since it started).
    const { report: first } = await statusJson();
    assert.equal(typeof first.master.cpu, 'number', 'master CPU in the first status');
    for (const w of first.workers)
      assert.equal(typeof w.cpu, 'number', `CPU of ${w.name}#${w.id} in the first status`);
    await new Promise((r) => setTimeout(r, 2500)); // two sampling periods
    const { report, stdout } = await statusJson();
    assert.equal(stdout.trim().split('\n')[0], '{'); // nothing before the document
    assert.equal(report.master.pid, master.child.pid);
    assert.ok(report.master.memory! > 1_000_000);
    assert.equal(typeof report.master.cpu, 'number');
    assert.equal(report.workers.length, 3);
    for (const w of report.workers) {
      assert.equal(w.state, 'ready');
      assert.equal(typeof w.pid, 'number');
      assert.ok(w.memory! > 1_000_000, `memory of ${w.name}#${w.id}`);
      assert.equal(typeof w.cpu, 'number');
      assert.equal(w.connections, 0);
      assert.equal(w.messagesIn, 0);
      assert.equal(w.restarts, 0);
      assert.ok(w.uptime! > 0);
    }
    assert.equal(worker(report, 'feed', 0).timers, 2);
    assert.equal(worker(report, 'blocker', 0).timers, 0);
    assert.deepEqual(
      report.definitions.map((d) => [d.name, d.count]),
      [
        ['feed', 2],
        ['blocker', 1],
      ],
    );
  });

  test('a worker spinning in a loop shows visibly more CPU and event-loop lag than an idle one', async () => {
    // The machine running the suite may be busy: take the clearest of a few samples.
    let best = { idle: 0, busy: 0, lag: 0 };
    for (let i = 0; i < 6; i++) {
      const { report } = await statusJson();
      const idle = worker(report, 'feed', 0).cpu!;
      const busy = worker(report, 'feed', 1).cpu!;
      if (busy - idle > best.busy - best.idle)
        best = { idle, busy, lag: worker(report, 'feed', 1).eventLoopLagMax! };
      if (best.busy > 30 && best.busy > 3 * best.idle && best.lag > 40) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(best.busy > 20, `spinning worker cpu ${best.busy}%`);
    assert.ok(best.busy > 2 * best.idle + 10, `spinning ${best.busy}% vs idle ${best.idle}%`);
    assert.ok(best.lag > 40, `lag max ${best.lag} ms`);
  });

  test('the table shows a header and one row per process', async () => {
    const cli = run([script, 'status'], { cwd: app.dir });
    assert.equal((await cli.exited()).code, 0);
    const out = cli.output();
    assert.match(out, /GLOBAL STATUS/);
    assert.match(out, /load average: /);
    assert.match(out, /^\s*\d+\s+master\s+running/m);
    assert.match(out, /^\s*\d+\s+feed#1\s+ready\s+\d+(\.\d)?%/m);
    assert.doesNotMatch(out, /\x1b\[/, 'no colours when stdout is not a TTY');
  });

  test('a worker with a blocked event loop shows as busy in status and connections within the deadline instead of hanging', async () => {
    const { report: before } = await statusJson();
    process.kill(worker(before, 'blocker', 0).pid!, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 200));
    const { report, ms } = await statusJson();
    // busy: did not answer within 300 ms; unresponsive: nothing pushed for 3 s (a slow, loaded machine can
    // take that long to run the status CLI). Both say "blocked", and totals.busy counts both.
    assert.match(worker(report, 'blocker', 0).state, /^(busy|unresponsive)$/);
    assert.equal(worker(report, 'feed', 0).state, 'ready');
    assert.equal(report.totals.busy, 1);
    assert.ok(ms < 4000, `status took ${ms} ms (including node startup)`);
    // connections (streamed per worker) lists the blocked worker as busy rather than waiting for it.
    const started = Date.now();
    const listing = run([script, 'connections', '--json'], { cwd: app.dir });
    assert.equal((await listing.exited(15_000)).code, 0, listing.output());
    assert.ok(
      Date.now() - started < 4000,
      `connections took ${Date.now() - started} ms (including node startup)`,
    );
    const { busy } = JSON.parse(listing.output()) as { busy: { name: string; id: number }[] };
    assert.deepEqual(
      busy.map((w) => `${w.name}#${w.id}`),
      ['blocker#0'],
    );
  });

  test('a killed worker is replaced and its slot shows the restart', async () => {
    const { report: before } = await statusJson();
    const old = worker(before, 'feed', 0).pid!;
    process.kill(old, 'SIGKILL');
    await master.waitFor(new RegExp(`feed#0 pid ${old} exited`), 10_000);
    await master.waitFor(/worker feed#0 started, pid (?!OLD)\d+/.source.replace('OLD', String(old)), 10_000);
    let report = before;
    for (let i = 0; i < 40; i++) {
      ({ report } = await statusJson());
      if (worker(report, 'feed', 0).state === 'ready') break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const row = worker(report, 'feed', 0);
    assert.equal(row.restarts, 1);
    assert.notEqual(row.pid, old);
    assert.match(row.lastError ?? '', /SIGKILL/);
    assert.equal(report.definitions.find((d) => d.name === 'feed')?.restarts, 1);
  });
});

test('status and connections with nothing running: "not running" and a non-zero exit', async () => {
  for (const verb of ['status', 'connections']) {
    const cli = run([script, verb, '--json'], { cwd: app.dir });
    const { code } = await cli.exited();
    assert.notEqual(code, 0);
    assert.match(cli.output(), /not running/);
  }
});
