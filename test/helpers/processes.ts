// Real processes for tests: write a start script into a temp dir (with workerman-ts resolvable),
// run it, read its output, and make sure nothing is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is dist/test/helpers/processes.js). */
export const ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const BIN = join(ROOT, 'dist', 'bin', 'worker.js');

export interface AppDir {
  dir: string;
  /** Write `name` with `source` into the app dir; returns its absolute path. */
  write(name: string, source: string): string;
  remove(): void;
}

/** A temp dir with node_modules/workerman-ts linked to this checkout, as a user's project would have. */
export function makeAppDir(): AppDir {
  const dir = mkdtempSync(join(tmpdir(), 'wmts-app-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'workerman-ts'), 'dir');
  return {
    dir,
    write(name, source) {
      const path = join(dir, name);
      writeFileSync(path, source);
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Running {
  child: ChildProcess;
  /** Everything printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Resolves when the output matches `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code (or signal) when the process ends (rejects after `timeoutMs`). */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const started = new Set<ChildProcess>();

/** Run `node <args>` in `cwd`, capturing output. Every process is killed by `killAll()`. */
export function run(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Running {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const w of waiters) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolveExit({ code, signal });
    });
  });
  return {
    child,
    output: () => output,
    waitFor(pattern, timeoutMs = 10_000) {
      return new Promise((resolveWait, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            cleanup();
            resolveWait(match);
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`timed out after ${timeoutMs} ms waiting for ${String(pattern)}; output:\n${output}`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    exited(timeoutMs = 15_000) {
      let timer: NodeJS.Timeout;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new Error(`process ${child.pid} did not exit within ${timeoutMs} ms; output:\n${output}`)),
          timeoutMs,
        );
      });
      return Promise.race([exit, timeout]).finally(() => clearTimeout(timer));
    },
  };
}

/** Is a process with this pid alive? */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait until none of `pids` is alive (rejects after `timeoutMs`). */
export async function waitGone(pids: number[], timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive)) {
    if (Date.now() > deadline) throw new Error(`processes still alive: ${pids.filter(isAlive).join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Kill every process a test started (and its process group, for daemons and workers) that is still running. */
export function killAll(): void {
  for (const child of started) {
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // not a group leader
      }
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  started.clear();
}

/** An app dir for this test file: after its tests, every process they started is killed and the dir removed. */
export function useAppDir(): AppDir {
  const app = makeAppDir();
  after(() => {
    killAll();
    app.remove();
  });
  return app;
}
