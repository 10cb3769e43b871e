// A start script with BENCH_WORKERS (default 4) idle workers: what `node app.js start` runs in the
// supervisor benchmarks. Ready as soon as onWorkerStart returns.
import './app-files.js';
import { Worker } from '../../src/index.js';

const worker = new Worker({ name: 'idle', count: Number(process.env.BENCH_WORKERS ?? 4) });
worker.onWorkerStart = () => {};
Worker.runAll();
