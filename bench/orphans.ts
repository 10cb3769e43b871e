// How long a master's workers outlive it after SIGKILL: ours (`node app.js start`, 4 idle workers) against
// a bare node:cluster primary (bare.ts), same machine, same run. Two figures per side: "exited" (the worker
// process has ended: /proc says zombie or gone) and "reaped" (kill(pid, 0) fails: whoever adopted the orphan,
// PID 1 or a subreaper, collected it; outside our control, ~1 s with this sandbox's init).
// Run: npm run build && node dist/bench/orphans.js   (BENCH_ROUNDS, default 5)
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { benchFile, killAllChildren } from './lib/procs.js';
import { runDir, runEnv } from './lib/rundir.js';
import { interleave, isMain, noMore, report, roundCount } from './lib/stats.js';

const CMD = 'node dist/bench/orphans.js';

interface Round {
  exited: number;
  reaped: number;
}

/** Alive and not a zombie. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });
}

/** Start a primary, wait for `readyLine`, SIGKILL it, time its 4 workers' end. */
async function round(script: string, readyLine: string): Promise<Round> {
  const child = spawn(process.execPath, [benchFile(script), 'start'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...runEnv(), BENCH_WORKERS: '4' },
  });
  const pid = child.pid!;
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`${script}: not ready in 30 s: ${out}`)), 30_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes(readyLine)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const workers = childrenOf(pid);
    if (workers.length !== 4) throw new Error(`${script}: expected 4 workers, found ${workers.length}`);
    const t0 = performance.now();
    process.kill(pid, 'SIGKILL');
    const exited = new Map<number, number>();
    const reaped = new Map<number, number>();
    while (reaped.size < workers.length) {
      const now = performance.now() - t0;
      if (now > 10_000) throw new Error(`${script}: workers still there after 10 s`);
      for (const w of workers) {
        if (!exited.has(w) && !running(w)) exited.set(w, now);
        if (!reaped.has(w) && !exists(w)) reaped.set(w, now);
      }
      await new Promise((r) => setImmediate(r));
    }
    return { exited: Math.max(...exited.values()), reaped: Math.max(...reaped.values()) };
  } finally {
    rmSync(join(runDir(), 'master.pid'), { force: true }); // the killed master's, stale
    for (const target of [-pid, pid]) {
      try {
        process.kill(target, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}

export async function benchOrphans(): Promise<void> {
  const rounds = roundCount();
  const { ours, baseline } = await interleave(
    rounds,
    () => round('proc/app-idle.js', 'Start success.'),
    () => round('proc/bare.js', 'all ready'),
  );
  report(
    'master SIGKILL to the last of 4 workers exited (zombie or gone), vs bare node:cluster',
    'ms',
    ours.map((r) => r.exited),
    baseline.map((r) => r.exited),
    noMore(1000, 'ms'),
    CMD,
  );
  report(
    'master SIGKILL to the last of 4 workers reaped by init (kill(pid, 0) fails), vs bare',
    'ms',
    ours.map((r) => r.reaped),
    baseline.map((r) => r.reaped),
    null,
    CMD,
    'the reaping is PID 1 / the subreaper, not us',
  );
}

if (isMain(import.meta.url)) {
  benchOrphans()
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(killAllChildren);
}
