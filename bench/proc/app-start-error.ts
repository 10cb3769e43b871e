// A start script whose one worker fails in onWorkerStart: with BENCH_CASE=config a ConfigError (fails at
// once), otherwise a plain Error (a genuine crash: retried 5 times with backoff). For bench/hostile.ts.
import './app-files.js';
import { ConfigError, Worker } from '../../src/index.js';

const worker = new Worker({ name: 'failing', count: 1 });
worker.onWorkerStart = () => {
  if (process.env.BENCH_CASE === 'config') throw new ConfigError('unknown scheme "bogus://"');
  throw new Error('flaky start');
};
Worker.runAll();
