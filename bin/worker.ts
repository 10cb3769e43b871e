#!/usr/bin/env node
// `worker <verb> <script> [flags]`: run any start script's CLI, e.g. `worker start app.js -d`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const USAGE = `Usage: worker <start|stop|restart|reload|status|connections> <script> [options]
Run "worker --help" for the commands and options.
`;

const args = process.argv.slice(2);
const scriptIndex = args.findIndex((a) => !a.startsWith('-') && /\.(c|m)?(j|t)s$/.test(a));

if (scriptIndex < 0) {
  if (args.includes('--version') || args.includes('-v')) {
    const { VERSION } = await import('../src/version.js');
    process.stdout.write(`workerman-ts ${VERSION}\n`);
    process.exit(0);
  }
  if (args.includes('--help') || args.includes('-h')) {
    const { usage } = await import('../src/cli/index.js');
    process.stdout.write(usage('<script>'));
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
if (/\.(c|m)?ts$/.test(script) && !canRunTypeScript()) {
  const loader = findTsx(script);
  if (!loader) {
    process.stderr.write(
      `worker: ${script} is TypeScript, and this Node (${process.version}) cannot run it by itself.\n` +
        `Install tsx in your project (npm install --save-dev tsx), or use Node 22.18+ / 23.6+ (type stripping).\n`,
    );
    process.exit(1);
  }
  // The master loads it here; workers and a daemon get the same flag, so every process runs the same way.
  process.execArgv.push('--import', loader);
  await import(loader);
}
// The script sees the same argv as `node <script> <verb> ...`; its Worker.runAll() does the rest. The CLI
// reads the mark to suggest commands the way the user runs them (`npx worker stop app.js`).
(globalThis as Record<symbol, unknown>)[Symbol.for('workerman-ts.bin')] = true;
process.argv = [process.argv[0]!, script, ...args.filter((_, i) => i !== scriptIndex)];
await import(pathToFileURL(script).href);

/** Node's own type stripping: on by default from 23.6 and 22.18, or enabled by a flag. */
function canRunTypeScript(): boolean {
  const features = process.features as { typescript?: string | false };
  return Boolean(features.typescript);
}

/** tsx's loader as a file URL, from the user's project (next to the script, or the working directory). */
function findTsx(from: string): string | null {
  for (const base of [from, join(process.cwd(), 'index.js')]) {
    try {
      return pathToFileURL(createRequire(base).resolve('tsx')).href;
    } catch {
      // not installed there
    }
  }
  return null;
}
