#!/usr/bin/env node
// `worker <verb> <script> [flags]`: run any start script's CLI, e.g. `worker start app.js -d`.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const USAGE = `Usage: worker <start|stop|restart|reload|status|connections> <script> [options]
Run "worker --help <script>" or "node <script> --help" for the options.
`;

const args = process.argv.slice(2);
const scriptIndex = args.findIndex((a) => !a.startsWith('-') && /\.(c|m)?(j|t)s$/.test(a));

if (scriptIndex < 0) {
  if (args.includes('--version') || args.includes('-v')) {
    const { VERSION } = await import('../src/version.js');
    process.stdout.write(`workerman-ts ${VERSION}\n`);
    process.exit(0);
  }
  process.stderr.write(`worker: no start script given.\n${USAGE}`);
  process.exit(64);
}

const script = resolve(args[scriptIndex]!);
if (!existsSync(script)) {
  process.stderr.write(`worker: start script not found: ${script}\n`);
  process.exit(66);
}
// The script sees the same argv as `node <script> <verb> ...`; its Worker.runAll() does the rest.
process.argv = [process.argv[0]!, script, ...args.filter((_, i) => i !== scriptIndex)];
await import(pathToFileURL(script).href);
