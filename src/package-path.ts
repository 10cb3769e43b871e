// Files inside the installed package, by their path from its root. The package's code runs bundled
// (dist/src/index.js and its chunks in dist/src/chunks/, see scripts/bundle.mjs) and, for the tests, as
// tsc's one file per module: a path relative to import.meta.url differs between the two, the root does not.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | null = null;

/**
 * The package root: the nearest directory above this file with a package.json. Walked up rather than
 * resolved through Node's self-reference (`require.resolve('workerman-ts/package.json')`), which reads
 * and matches package "exports" and cost a worker 3-5 ms at start-up; here it is a few stat calls.
 */
function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`workerman-ts: no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return (root = dir);
}

/** Absolute path of `relative` (e.g. `'package.json'`) in the package. */
export function packagePath(relative: string): string {
  return join(packageRoot(), relative);
}
