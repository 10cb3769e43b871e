// One temporary directory per benchmark process for the files a CLI master writes (pid file, log, daemon
// stdout); the start scripts read BENCH_RUN_DIR. Removed when the benchmark exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let dir: string | null = null;

export function runDir(): string {
  if (dir === null) {
    const d = mkdtempSync(join(tmpdir(), 'wmts-benchrun-'));
    dir = d;
    process.once('exit', () => rmSync(d, { recursive: true, force: true }));
  }
  return dir;
}

/** Environment for a CLI start script: its files go into the run dir. */
export function runEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { BENCH_RUN_DIR: runDir(), ...extra };
}
