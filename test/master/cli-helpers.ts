// Helpers for the master's CLI tests: run a verb to completion, read pid files, ask a master for its
// workers, and kill whatever a daemon left if a test failed half-way.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after } from 'node:test';
import { controlRequest } from '../../src/shared/control/client.js';
import type { MasterInfo } from '../../src/shared/pidfile.js';
import { killAll, makeAppDir, run, type AppDir } from '../helpers/processes.js';

export interface Outcome {
  code: number | null;
  output: string;
}

/** `node <script> <args...>` in the script's directory, to completion. */
export async function cli(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 30_000,
): Promise<Outcome> {
  const p = run([script, ...args], { cwd: dirname(script), env });
  const { code } = await p.exited(timeoutMs);
  return { code, output: p.output() };
}

export function readPid(pidFile: string): number | null {
  try {
    return Number(readFileSync(pidFile, 'utf8'));
  } catch {
    return null;
  }
}

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The pid of slot `name#id`, from the master. */
export async function slotPid(masterPid: number, name: string, id: number): Promise<number | null> {
  const { slots } = await ping(masterPid);
  return slots.find((s) => s.name === name && s.id === id && s.state === 'ready')?.pid ?? null;
}

/** Poll `check` every 20 ms until it returns a truthy value (rejects after `timeoutMs`). */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Ask the master for its live worker pids and slots. */
export function ping(masterPid: number): Promise<MasterInfo> {
  return controlRequest<MasterInfo>(masterPid, 'ping');
}

/** SIGKILL a daemon's whole process group (a detached master leads its own group). */
export function killGroup(pid: number | null): void {
  if (!pid) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The source of a test app: `count` workers that print their pid; behaviour switched by env vars. */
export function appSource(options: { name?: string; count?: number; extra?: string } = {}): string {
  return `import { Worker } from 'workerman-ts';
import { existsSync } from 'node:fs';
const here = (f) => new URL(f, import.meta.url).pathname;
Worker.stdoutFile = here('out.log');
Worker.stopTimeout = Number(process.env.STOP_TIMEOUT ?? 10);
const w = new Worker({ name: '${options.name ?? 'feed'}', count: ${options.count ?? 2} });
w.onWorkerStart = async (worker) => {
  if (existsSync(here('broken'))) throw new Error('broken on purpose');
  if (existsSync(here('slow'))) await new Promise((r) => setTimeout(r, 400));
  if (process.env.STOP_ALL === '1' && worker.id === 0) setTimeout(() => Worker.stopAll(), 300);
  console.log('started ' + worker.name + '#' + worker.id + ' pid=' + process.pid);
};
w.onWorkerStop = async (worker) => {
  console.log('onWorkerStop ' + worker.name + '#' + worker.id);
  const ms = Number(process.env.STOP_DELAY_MS ?? 0);
  if (ms < 0) await new Promise(() => {});
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  console.log('onWorkerStop done ' + worker.name + '#' + worker.id);
};
Worker.onWorkerExit = (worker, code, signal, pid) =>
  console.log('onWorkerExit ' + worker.name + ' code=' + code + ' signal=' + signal + ' pid=' + pid);
${options.extra ?? ''}
Worker.runAll();
`;
}

export interface TestApp {
  app: AppDir;
  script: string;
  pidFile: string;
  logFile: string;
}

/**
 * A temp app dir with `app.mjs` (default: appSource()) and its default pid and log paths. Registers an
 * `after` hook that kills the daemon's process group, every started process, and removes the dir.
 */
export function testApp(source = appSource()): TestApp {
  const app = makeAppDir();
  const script = app.write('app.mjs', source);
  const pidFile = join(app.dir, 'workerman.app.mjs.pid');
  after(() => {
    killGroup(readPid(pidFile));
    killAll();
    app.remove();
  });
  return { app, script, pidFile, logFile: join(app.dir, 'workerman.log') };
}
