// A start script with BENCH_WORKERS (default 4) idle workers and BENCH_SPARE (default 0) warm spares:
// what `node app.js start` and the embedded runtime run in the supervisor benchmarks. Ready as soon as
// onWorkerStart returns.
import './app-files.js';
import { Worker } from '../../src/index.js';

const worker = new Worker({
  name: 'idle',
  count: Number(process.env.BENCH_WORKERS ?? 4),
  spare: Number(process.env.BENCH_SPARE ?? 0),
});
worker.onWorkerStart = () => {};
Worker.runAll();
