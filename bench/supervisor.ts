// Supervisor figures against bare node:cluster, one fresh host process per round: 4 workers to all ready,
// SIGKILL of one worker to its replacement ready, rolling reload of 4 idle workers and stop (ours only),
// and the same start through the CLI (`node app.js start` to "Start success." against a bare cluster
// primary to "all ready"). Run: npm run bench:supervisor
import { spawnChild, spawnCommand, benchFile } from './lib/procs.js';
import { runEnv } from './lib/rundir.js';
import { atMost, interleave, isMain, noMore, report, roundCount } from './lib/stats.js';

const CMD = 'npm run bench:supervisor';

interface HostRound {
  start: number;
  crash: number;
  reload: number;
  stop: number;
}

async function hostRound(mode: 'ours' | 'bare'): Promise<HostRound> {
  const host = spawnChild('proc/runtime-host.js', [], []);
  try {
    const start = (await host.call<{ ms: number }>({ cmd: 'start', mode, count: 4 }, 30_000)).ms;
    await new Promise((r) => setTimeout(r, 100));
    const crash = (await host.call<{ ms: number }>({ cmd: 'crash' }, 30_000)).ms;
    const reload = mode === 'ours' ? (await host.call<{ ms: number }>({ cmd: 'reload' }, 60_000)).ms : NaN;
    const stop = (await host.call<{ ms: number }>({ cmd: 'stop' }, 30_000)).ms;
    return { start, crash, reload, stop };
  } finally {
    await host.kill();
  }
}

async function cliRound(mode: 'ours' | 'bare'): Promise<{ start: number; stop: number }> {
  const script = benchFile(mode === 'ours' ? 'proc/app-idle.js' : 'proc/bare.js');
  const cmd = spawnCommand([script, 'start'], runEnv({ BENCH_WORKERS: '4' }));
  try {
    const start = await cmd.waitFor(mode === 'ours' ? /Start success/ : /all ready/);
    const t0 = performance.now();
    cmd.proc.kill('SIGINT');
    await cmd.exited();
    return { start, stop: performance.now() - t0 };
  } finally {
    await cmd.kill();
  }
}

export async function runSupervisor(): Promise<void> {
  const h = await interleave(
    roundCount(),
    () => hostRound('ours'),
    () => hostRound('bare'),
  );
  report(
    'start 4 workers to all ready, embedded (Runtime.start vs cluster.fork x4)',
    'ms',
    h.ours.map((r) => r.start),
    h.baseline.map((r) => r.start),
    atMost(1.3),
    CMD,
  );
  report(
    'worker SIGKILL to replacement ready vs bare cluster.fork()',
    'ms',
    h.ours.map((r) => r.crash),
    h.baseline.map((r) => r.crash),
    atMost(1.2),
    CMD,
  );
  report(
    'rolling reload of 4 idle workers, embedded rt.reload() (not the CLI)',
    'ms',
    h.ours.map((r) => r.reload),
    null,
    noMore(600, 'ms'),
    CMD,
  );
  report(
    'stop 4 idle workers, embedded rt.stop() vs worker.kill() x4',
    'ms',
    h.ours.map((r) => r.stop),
    h.baseline.map((r) => r.stop),
    null,
    CMD,
  );
  const c = await interleave(
    roundCount(),
    () => cliRound('ours'),
    () => cliRound('bare'),
  );
  report(
    'start 4 workers, CLI `node app.js start` to "Start success." vs bare cluster primary to "all ready"',
    'ms',
    c.ours.map((r) => r.start),
    c.baseline.map((r) => r.start),
    atMost(1.3),
    CMD,
  );
  report(
    'stop 4 workers, CLI foreground master on SIGINT to exit vs bare primary',
    'ms',
    c.ours.map((r) => r.stop),
    c.baseline.map((r) => r.stop),
    null,
    CMD,
  );
}

if (isMain(import.meta.url)) await runSupervisor();
