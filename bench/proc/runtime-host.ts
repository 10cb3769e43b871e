// A host process for the supervisor benchmarks, one per round: starts 4 workers with our Runtime or with
// bare cluster.fork(), kills one with SIGKILL and times its replacement, reloads (ours) and stops.
// Driven over IPC (bench/lib/procs.ts serve()).
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
        rt = await Runtime.start({ script: benchFile('proc/app-idle.js'), execArgv: [] });
      } else {
        cluster.setupPrimary({ exec: benchFile('proc/bare.js'), execArgv: [] });
        await Promise.all(Array.from({ length: msg.count }, bareFork));
      }
      return elapsed();
    case 'crash': {
      // SIGKILL worker 0 and time until its replacement is ready.
      if (rt) {
        const runtime = rt;
        const pid = runtime.workers[0]!.pid!;
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
          cluster.once('exit', () => void bareFork().then(() => resolve()));
        });
        victim.process.kill('SIGKILL');
        await replaced;
      }
      return elapsed();
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
