// A host process for the supervisor benchmarks, one per round: starts `count` workers (with `spare` warm
// spares) with our Runtime or with bare cluster.fork(), kills one with SIGKILL and times its replacement
// (and when the master noticed the exit), reloads (ours) and stops. Driven over IPC (bench/lib/procs.ts serve()).
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import { once } from 'node:events';
import { Runtime } from '../../src/index.js';
import { benchFile, serve } from '../lib/procs.js';

let rt: Runtime | null = null;

function bareFork(): Promise<ClusterWorker> {
  const w = cluster.fork();
  return new Promise((resolve) => {
    w.on('message', (m: { ready?: boolean }) => {
      if (m?.ready) resolve(w);
    });
  });
}

serve(async (msg) => {
  const t0 = performance.now();
  const elapsed = () => ({ ms: performance.now() - t0 });
  switch (msg.cmd) {
    case 'start':
      if (msg.mode === 'ours') {
        // The script reads these when the host loads it and again in every worker (they inherit them).
        process.env.BENCH_WORKERS = String(msg.count);
        process.env.BENCH_SPARE = String(msg.spare ?? 0);
        rt = await Runtime.start({ script: benchFile('proc/app-idle.js'), execArgv: [] });
      } else {
        cluster.setupPrimary({ exec: benchFile('proc/bare.js'), execArgv: [] });
        await Promise.all(Array.from({ length: msg.count }, bareFork));
      }
      return elapsed();
    case 'warmSpare': {
      // Until a spare has imported the script (not timed: the spare is made in the background).
      while (!rt!.spares.some((s) => s.state === 'warm')) await new Promise((r) => setTimeout(r, 10));
      return elapsed();
    }
    case 'crash': {
      // SIGKILL worker 0 and time until its replacement is ready; `exitMs`: until the master saw the exit.
      let exitMs = NaN;
      const exited = () => (exitMs = performance.now() - t0);
      if (rt) {
        const runtime = rt;
        const pid = runtime.workers[0]!.pid!;
        runtime.once('workerExit', exited);
        const ready = new Promise<void>((resolve) => {
          const onReady = (slot: { id: number; pid: number | null }) => {
            if (slot.id === 0 && slot.pid !== pid) {
              runtime.off('workerReady', onReady);
              resolve();
            }
          };
          runtime.on('workerReady', onReady);
        });
        process.kill(pid, 'SIGKILL');
        await ready;
      } else {
        const victim = Object.values(cluster.workers ?? {})[0]!;
        const replaced = new Promise<void>((resolve) => {
          cluster.once('exit', () => {
            exited();
            void bareFork().then(() => resolve());
          });
        });
        victim.process.kill('SIGKILL');
        await replaced;
      }
      return { ...elapsed(), exitMs };
    }
    case 'reload':
      await rt!.reload();
      return elapsed();
    case 'stop':
      if (rt) {
        await rt.stop();
      } else {
        const all = Object.values(cluster.workers ?? {}).filter((w): w is ClusterWorker => w !== undefined);
        await Promise.all(
          all.map((w) => {
            const exited = once(w, 'exit');
            w.kill();
            return exited;
          }),
        );
      }
      setImmediate(() => process.exit(0));
      return elapsed();
    default:
      throw new Error(`unknown command ${String(msg.cmd)}`);
  }
});
