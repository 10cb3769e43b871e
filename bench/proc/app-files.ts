// Start scripts import this first: with BENCH_RUN_DIR set, the master's pid file, log and daemon stdout go
// into that directory (a temp dir the benchmark removes), never next to the script.
import { join } from 'node:path';
import { Worker } from '../../src/index.js';

const dir = process.env.BENCH_RUN_DIR;
if (dir) {
  Worker.pidFile = join(dir, 'master.pid');
  Worker.logFile = join(dir, 'workerman.log');
  Worker.stdoutFile = join(dir, 'stdout.log');
}
