// A host process for the server benchmarks, one per round and side: a cluster of BENCH count workers,
// either our Runtime running bench/proc/app-server.js (`new Worker('websocket://...')` / `'http://...'`)
// or bare cluster.fork() of bench/proc/bare-server.js. Reports the pids and the workers' RSS, runs gc() in every worker on request, and stops. Driven over IPC (bench/lib/procs.ts serve()).
import cluster, { type Worker as ClusterWorker } from 'node:cluster';
import net from 'node:net';
import { Runtime } from '../../src/index.js';
import { benchFile, serve } from '../lib/procs.js';
import { rssBytes, sum } from '../lib/proc-usage.js';

let rt: Runtime | null = null;

/** A port the OS says is free right now (listen on 0, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function workers(): ClusterWorker[] {
  return Object.values(cluster.workers ?? {}).filter((w): w is ClusterWorker => w !== undefined);
}

function pids(): number[] {
  return workers().map((w) => w.process.pid ?? 0);
}

function bareFork(): Promise<void> {
  const w = cluster.fork();
  return new Promise((resolve, reject) => {
    w.once('exit', (code) => reject(new Error(`bare worker exited (${code}) before it listened`)));
    w.on('message', (m: { ready?: boolean }) => {
      if (m?.ready) resolve();
    });
  });
}

/** gc() in every worker; resolves with the sum of their heapUsed afterwards. */
async function gcAll(): Promise<number> {
  let heapUsed = 0;
  await Promise.all(
    workers().map(
      (w) =>
        new Promise<void>((resolve) => {
          const onMessage = (m: { benchGcDone?: boolean; heapUsed: number }) => {
            if (!m?.benchGcDone) return;
            heapUsed += m.heapUsed;
            w.off('message', onMessage);
            resolve();
          };
          w.on('message', onMessage);
          w.send({ benchGc: true });
        }),
    ),
  );
  return heapUsed;
}

serve(async (msg) => {
  switch (msg.cmd) {
    case 'start': {
      const port = await freePort();
      process.env.BENCH_PORT = String(port);
      process.env.BENCH_SERVER = msg.server;
      process.env.BENCH_WORKERS = String(msg.count);
      const execArgv = ['--expose-gc'];
      if (msg.mode === 'ours' && !process.env.BENCH_SERVERS_AA) {
        rt = await Runtime.start({ script: benchFile('proc/app-server.js'), execArgv });
      } else {
        cluster.setupPrimary({ exec: benchFile('proc/bare-server.js'), execArgv });
        await Promise.all(Array.from({ length: msg.count }, bareFork));
      }
      // The cluster's processes: CPU is summed over all of them (the primary accepts and hands each
      // connection to a worker), RSS over the workers (the primary keeps nothing per connection).
      return { port, workers: pids(), all: [process.pid, ...pids()] };
    }
    case 'rss':
      return { rss: sum(pids(), rssBytes) };
    case 'gc':
      return { heapUsed: await gcAll() };
    case 'stop':
      if (rt) await rt.stop();
      else for (const w of workers()) w.process.kill('SIGKILL');
      setImmediate(() => process.exit(0));
      return {};
    default:
      throw new Error(`unknown command ${String(msg.cmd)}`);
  }
});
