// Every benchmark in one run (npm run bench), then the results as a markdown table for docs/benchmarks.md.
// BENCH_ROUNDS (default 5) and BENCH_SCALE (default 1) shorten validation runs.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { runThroughput } from './throughput.js';
import { runConnections } from './connections.js';
import { runSupervisor } from './supervisor.js';
import { runReloadFeed } from './reload-feed.js';
import { runCli } from './cli.js';
import { runServers } from './servers.js';
import { benchFile } from './lib/procs.js';
import { markdown } from './lib/stats.js';

const wsVersion = (
  JSON.parse(readFileSync(benchFile('../../node_modules/ws/package.json'), 'utf8')) as { version: string }
).version;
const started = Date.now();
console.log(
  `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, ws ${wsVersion}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}, ulimit -n ${execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim()}`,
);
const parts: [string, () => Promise<void>][] = [
  ['throughput', runThroughput],
  ['connections', runConnections],
  ['supervisor', runSupervisor],
  // 4 x 250 with 3 reloads, then the size (4 x 1,000) with 1: 26 s + 35 s at load 11-17 on 2 cores
  // since the feed accepts while it fans out (docs/perf/reload.md).
  ['reload-feed', () => runReloadFeed(4, Number(process.env.BENCH_FEED_CONNS ?? 250), 3)],
  ['reload-feed', () => runReloadFeed(4, 1000, 1)],
  ['cli', runCli],
  ['servers', runServers],
];
const only = process.argv.slice(2);
for (const [name, run] of parts) {
  if (only.length > 0 && !only.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  const partStarted = Date.now();
  try {
    await run();
    console.log(`== ${name}: ${((Date.now() - partStarted) / 1000).toFixed(0)} s ==`);
  } catch (err) {
    console.log(`${name} FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  }
}
console.log(
  `\n${markdown()}\n\ntotal ${((Date.now() - started) / 1000).toFixed(0)} s, load average now ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
