// Host for the reload-under-load benchmark: a collector for the workers' tick reports, our Runtime running
// app-feed.js, rolling reloads on command. Driven over IPC (bench/lib/procs.ts serve()).
import net from 'node:net';
import { Runtime } from '../../src/index.js';
import { benchFile, serve } from '../lib/procs.js';

export interface TickReport {
  id: number;
  pid: number;
  first: number[];
  last: number[];
  jumps: number;
}

const reports: TickReport[] = [];
const collector = net.createServer((s) => {
  let buf = '';
  s.on('data', (c) => (buf += c.toString()));
  s.on('end', () => {
    if (buf.trim()) reports.push(JSON.parse(buf) as TickReport);
  });
});
let rt: Runtime | null = null;

serve(async (msg) => {
  const t0 = performance.now();
  switch (msg.cmd) {
    case 'start': {
      await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
      process.env.BENCH_COLLECTOR_PORT = String((collector.address() as net.AddressInfo).port);
      process.env.BENCH_FEED_PORT = String(msg.feedPort);
      process.env.BENCH_FEED_CONNS = String(msg.conns);
      process.env.BENCH_WORKERS = String(msg.workers);
      rt = await Runtime.start({
        script: benchFile('proc/app-feed.js'),
        // e.g. BENCH_WORKER_EXECARGV='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the workers.
        execArgv: process.env.BENCH_WORKER_EXECARGV?.split(' ').filter(Boolean) ?? [],
        readyTimeout: 60,
        reloadConcurrency: Number(msg.reloadConcurrency),
        ...(process.env.BENCH_DEBUG
          ? { logger: (m: string) => console.error(`${(performance.now() / 1000).toFixed(3)} ${m}`) }
          : {}),
      });
      if (process.env.BENCH_DEBUG)
        rt.on('workerReady', (s) =>
          console.error(`${(performance.now() / 1000).toFixed(3)} ready ${s.id} ${s.pid}`),
        );
      return { ms: performance.now() - t0 };
    }
    case 'reload': {
      process.env.BENCH_FEED_TICKING = '1'; // replacements are ready once every connection has a tick
      const result = await rt!.reload();
      return {
        ms: performance.now() - t0,
        replaced: result.replaced.length,
        halted: result.halted?.reason ?? null,
      };
    }
    case 'stop':
      await rt!.stop();
      await new Promise((r) => setTimeout(r, 100));
      collector.close();
      setImmediate(() => process.exit(0));
      return { ms: performance.now() - t0, reports };
    default:
      throw new Error(`unknown command ${String(msg.cmd)}`);
  }
});
