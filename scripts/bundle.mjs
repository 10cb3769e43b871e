#!/usr/bin/env node
// Runs after tsc (npm run build): bundles the package's runtime entry points over tsc's JavaScript for
// those files, so a process that imports the package loads a handful of files instead of ~27 ES modules
// (Node 20's ESM loader costs ~1.5 ms a file; see docs/design.md, "Build"). Code reachable only through a
// dynamic import() (the master's engine, the CLI and each verb) stays in its own chunk, loaded on first use.
// tsc's output stays next to it: the .d.ts files serve the types, and the tests import internal files.
import { chmodSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

/** Entry points: source file -> the tsc output file it replaces (same path, under dist/). */
const ENTRIES = ['src/index.ts', 'src/worker/module-entry.ts', 'bin/worker.ts'];
/** Shared and lazily loaded code, in one directory that package.json "files" ships (dist/src). */
const CHUNKS = 'src/chunks';

rmSync(`dist/${CHUNKS}`, { recursive: true, force: true });
await build({
  entryPoints: ENTRIES,
  outbase: '.',
  outdir: 'dist',
  entryNames: '[dir]/[name]',
  chunkNames: `${CHUNKS}/[name]-[hash]`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ws and pidusage stay real dependencies, resolved from the installed package at run time.
  packages: 'external',
  // Maps point at the TypeScript in src/, which the package ships, so they need not carry it too.
  sourcemap: true,
  sourcesContent: false,
  logLevel: 'warning',
});
// esbuild keeps the entry's #! line; the bin also needs to stay executable when run from a clone.
chmodSync('dist/bin/worker.js', 0o755);
