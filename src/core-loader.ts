// Loads the package's bundle (dist/src/core-<hash>.cjs, scripts/bundle.mjs) with V8's code cache. Every
// process imports the package (each worker, each CLI verb, an embedding host) and Node 20 has no compile
// cache for ES modules (module.enableCompileCache is 22.1+): compiling the bundle's ~300 KB each time cost
// a CLI verb ~10 ms of CPU here. Compiled through node:vm, V8 deserializes the functions it compiled in
// an earlier run instead (docs/perf/cli.md has the figures).
//
// The cache sits next to the bundle, one file per Node version and flag set (V8 rejects a cache made
// under other flags, e.g. --expose-gc) and per role: a worker, a daemon master and each CLI verb run
// different code, and a cache holds what the process that wrote it had compiled, so each role gets the
// functions it runs. The build writes the plain `node` one for other processes; a process that finds
// none, or one V8 rejects, writes its own when it exits (best effort: a read-only install goes without).
// It is never read from anywhere less trusted than the bundle itself (a cache is compiled code).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

type Exports = Record<string, unknown>;
type Factory = (
  exports: Exports,
  require: NodeJS.Require,
  module: { exports: Exports },
  filename: string,
  dirname: string,
  importModule: (url: string) => Promise<unknown>,
) => void;

/** The wrapper's parameters: CommonJS's five, and the import() the bundle cannot make itself. */
const HEADER = '(function (exports, require, module, __filename, __dirname, __wmImportModule) {';

const loaded = new Map<string, Exports>();

/** Evaluate the bundle at `url` once per process; its exports. */
export function loadCore(url: URL): Exports {
  const file = fileURLToPath(url);
  let exports = loaded.get(file);
  if (exports) return exports;
  if (process.sourceMapsEnabled) {
    exports = requireForSourceMaps(file);
    loaded.set(file, exports);
    return exports;
  }
  const cacheFile = cachePath(file);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // none yet
  }
  // The header shares the bundle's first line, so line numbers in stack traces match the source map.
  const script = new Script(`${HEADER}${readFileSync(file, 'utf8')}\n})`, { filename: file, cachedData });
  const module = { exports: {} as Exports };
  (script.runInThisContext() as Factory)(
    module.exports,
    createRequire(file),
    module,
    file,
    dirname(file),
    (specifier) => import(specifier),
  );
  exports = module.exports;
  loaded.set(file, exports);
  // After the process ran, so the functions it compiled on the way are in the cache too.
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => writeCache(script, cacheFile));
  return exports;
}

/**
 * Under --enable-source-maps: Node 20 maps the stack frames of files its CommonJS loader compiled, not of
 * node:vm scripts, so the bundle is required as a plain file (no code cache) and reaches the loader's
 * import() through a global of that name instead of the wrapper's parameter.
 */
function requireForSourceMaps(file: string): Exports {
  (globalThis as Record<string, unknown>).__wmImportModule = (specifier: string) => import(specifier);
  return createRequire(file)(file) as Exports;
}

/** The CLI's verbs (src/cli/verbs.ts): a fixed list, so arbitrary arguments never name a cache file. */
const VERBS = new Set(['start', 'stop', 'restart', 'reload', 'status', 'connections']);

/** What this process is: `daemon` (the detached master), `worker`, a CLI verb, or `other`. */
function role(): string {
  // Set by cli/daemon.ts in the daemon's environment (removed only once the daemon runs its verb).
  if (process.env.WORKERMAN_TS_DAEMON === '1') return 'daemon';
  // A worker has an IPC channel (node:cluster removes NODE_UNIQUE_ID before user code runs, and loading
  // node:cluster to ask would cost every CLI verb); so does any forked child, which is fine for a name.
  if (typeof process.send === 'function') return 'worker';
  return process.argv.slice(2).find((a) => VERBS.has(a)) ?? 'other';
}

/**
 * `<bundle>.<key>.<role>.cache`, the key naming the Node version, architecture and flags (V8 checks them).
 */
export function cachePath(file: string): string {
  const flags = `${process.version} ${process.arch} ${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  let hash = 0x811c9dc5; // FNV-1a: a name, not a check (V8 verifies the cache itself)
  for (let i = 0; i < flags.length; i++) hash = Math.imul(hash ^ flags.charCodeAt(i), 0x01000193) >>> 0;
  return `${file}.${hash.toString(16).padStart(8, '0')}.${role()}.cache`;
}

function writeCache(script: Script, cacheFile: string): void {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, script.createCachedData(), { mode: 0o644 });
    renameSync(temp, cacheFile); // atomic: a reader sees the old file or the whole new one
  } catch {
    rmSync(temp, { force: true }); // a read-only package directory: run without a cache
  }
}
