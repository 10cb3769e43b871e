// Supervisor figures against bare node:cluster, one fresh host process per round: 4 workers to all ready,
// SIGKILL of one worker to its replacement ready (without a spare, and with `spare: 1` in a second host of
// one worker and one spare, in the same round), rolling reload of 4 idle workers and stop (ours only), and
// the same start through the CLI (`node app.js start` to "Start success." against a bare cluster primary to
// "all ready"). "Ready" is timed in the host from just before process.kill(pid, 'SIGKILL') to the Runtime's
// workerReady for the slot with a new pid (ours: the replacement ran onWorkerStart and said so over IPC),
// and to the new worker's first message (bare: forked on cluster 'exit'). Run: npm run bench:supervisor
import { spawnChild, spawnCommand, benchFile } from './lib/procs.js';
import { runEnv } from './lib/rundir.js';
import { atMost, below, interleave, isMain, noMore, report, roundCount } from './lib/stats.js';

const CMD = 'npm run bench:supervisor';

interface HostRound {
  start: number;
  crash: number;
  /** SIGKILL to the master's exit event, within `crash`. */
  crashExit: number;
  reload: number;
  stop: number;
  /** Ours only: the same SIGKILL in a runtime of 1 worker with `spare: 1` (NaN for bare). */
  spareCrash: number;
  spareCrashExit: number;
}

type Crash = { ms: number; exitMs: number };

async function hostRound(mode: 'ours' | 'bare'): Promise<HostRound> {
  const host = spawnChild('proc/runtime-host.js', [], []);
  let round: Omit<HostRound, 'spareCrash' | 'spareCrashExit'>;
  try {
    const start = (await host.call<{ ms: number }>({ cmd: 'start', mode, count: 4 }, 30_000)).ms;
    await new Promise((r) => setTimeout(r, 100));
    const crash = await host.call<Crash>({ cmd: 'crash' }, 30_000);
    const reload = mode === 'ours' ? (await host.call<{ ms: number }>({ cmd: 'reload' }, 60_000)).ms : NaN;
    const stop = (await host.call<{ ms: number }>({ cmd: 'stop' }, 30_000)).ms;
    round = { start, crash: crash.ms, crashExit: crash.exitMs, reload, stop };
  } finally {
    await host.kill();
  }
  const spare = mode === 'ours' ? await spareRound() : { ms: NaN, exitMs: NaN };
  return { ...round, spareCrash: spare.ms, spareCrashExit: spare.exitMs };
}

/** One worker with `spare: 1`: once the spare is warm (and the host quiet again), SIGKILL the worker. */
async function spareRound(): Promise<Crash> {
  const host = spawnChild('proc/runtime-host.js', [], []);
  try {
    await host.call({ cmd: 'start', mode: 'ours', count: 1, spare: 1 }, 30_000);
    await host.call({ cmd: 'warmSpare' }, 30_000);
    await new Promise((r) => setTimeout(r, 100));
    const crash = await host.call<Crash>({ cmd: 'crash' }, 30_000);
    await host.call({ cmd: 'stop' }, 30_000);
    return crash;
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
    'worker SIGKILL to replacement ready with a warm spare (spare: 1) vs bare cluster.fork()',
    'ms',
    h.ours.map((r) => r.spareCrash),
    h.baseline.map((r) => r.crash),
    below(15, 'ms'),
    CMD,
  );
  report(
    'worker SIGKILL to exit seen by the master (part of the rows above; ours with a spare vs bare)',
    'ms',
    h.ours.map((r) => r.spareCrashExit),
    h.baseline.map((r) => r.crashExit),
    null,
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
