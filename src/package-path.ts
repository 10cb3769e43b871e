// Files inside the installed package, by their path from its root. The package's code runs bundled
// (dist/src/index.js and its chunks in dist/src/chunks/, see scripts/bundle.mjs) and, for the tests, as
// tsc's one file per module: a path relative to import.meta.url differs between the two, the root does not.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The package root: Node's self-reference of the package by its own name (package.json "exports"). */
const ROOT = dirname(createRequire(import.meta.url).resolve('workerman-ts/package.json'));

/** Absolute path of `relative` (e.g. `'package.json'`) in the package. */
export function packagePath(relative: string): string {
  return join(ROOT, relative);
}
