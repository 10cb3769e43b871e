// The baseline for the supervisor benchmarks: bare node:cluster. As a worker it sends one `ready` message;
// as a primary started from the command line it forks BENCH_WORKERS (default 4), prints "all ready" when
// every one has answered, and stops them on SIGINT/SIGTERM (worker.kill(), exit when all are gone).
import cluster from 'node:cluster';

if (cluster.isWorker) {
  process.send?.({ ready: true });
} else if (process.argv[2] === 'start') {
  const count = Number(process.env.BENCH_WORKERS ?? 4);
  let ready = 0;
  for (let i = 0; i < count; i++) {
    cluster.fork().on('message', (m: { ready?: boolean }) => {
      if (m?.ready && ++ready === count) console.log('all ready');
    });
  }
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    cluster.on('exit', () => {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
