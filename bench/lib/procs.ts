// Child processes for benchmarks: every process is forked into its own process group, tracked, and killed
// (the whole group, so cluster workers too) when the benchmark ends, fails or is interrupted. Requests over
// IPC carry an id; the child answers with the same id (see serve()).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const live = new Set<ChildProcess>();

function killGroup(child: ChildProcess): void {
  if (!child.pid) return;
  for (const target of [-child.pid, child.pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Kill every process group a benchmark started that is still running. */
export function killAllChildren(): void {
  for (const child of live) killGroup(child);
  live.clear();
}

process.once('exit', killAllChildren);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(sig, () => {
    killAllChildren();
    process.exit(130);
  });
}

/** Path of a compiled file next to this one's parent (dist/bench/<rel>). */
export function benchFile(rel: string): string {
  return fileURLToPath(new URL(`../${rel}`, import.meta.url));
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Send a request and wait for the answer (rejects if the process exits or `timeoutMs` passes). */
  call<T = Record<string, unknown>>(msg: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Kill the process group and wait for the exit. */
  kill(): Promise<void>;
}

let nextId = 1;

/** Fork `dist/bench/<rel>` with IPC in its own process group. */
export function spawnChild(
  rel: string,
  args: string[] = [],
  execArgv: string[] = ['--expose-gc'],
  /** Added to this process's environment. */
  env: Record<string, string> = {},
): Child {
  const proc = fork(benchFile(rel), args, {
    detached: true,
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(proc);
  const exited = new Promise<void>((r) =>
    proc.once('exit', () => {
      live.delete(proc);
      r();
    }),
  );
  return {
    proc,
    pid: proc.pid ?? 0,
    call<T>(msg: Record<string, unknown>, timeoutMs = 120_000): Promise<T> {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const onMessage = (m: { id?: number; error?: string }) => {
          if (m?.id !== id) return;
          cleanup();
          if (m.error) reject(new Error(`${rel} ${String(msg.cmd)}: ${m.error}`));
          else resolve(m as T);
        };
        const onExit = (code: number | null, signal: string | null) => {
          cleanup();
          reject(new Error(`${rel} exited (${signal ?? code}) during ${String(msg.cmd)}`));
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${rel} ${String(msg.cmd)}: no answer in ${timeoutMs} ms`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          proc.off('message', onMessage);
          proc.off('exit', onExit);
        };
        proc.on('message', onMessage);
        proc.on('exit', onExit);
        proc.send({ ...msg, id });
      });
    },
    async kill() {
      killGroup(proc);
      await exited;
    },
  };
}

/** Child side: answer requests with `handler`'s result (or its error). */
export function serve(
  handler: (msg: Record<string, any>) => Promise<Record<string, unknown>> | Record<string, unknown>,
): void {
  process.on('message', (msg: Record<string, any>) => {
    void (async () => {
      try {
        const reply = await handler(msg);
        process.send?.({ ...reply, id: msg.id });
      } catch (err) {
        process.send?.({
          id: msg.id,
          error: err instanceof Error ? (err.stack ?? err.message) : String(err),
        });
      }
    })();
  });
  // The parent is gone: nothing left to measure for.
  process.on('disconnect', () => process.exit(0));
}

export interface Command {
  proc: ChildProcess;
  /** Milliseconds from spawn until the output matches `pattern` (rejects after `timeoutMs`). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<number>;
  /** Milliseconds from spawn until the process exited, with its code. */
  exited(timeoutMs?: number): Promise<{ ms: number; code: number | null; output: string }>;
  output(): string;
  kill(): Promise<void>;
}

/** Run `node <args>` (a CLI) in its own process group, timing from the spawn call. */
export function spawnCommand(args: string[], env: NodeJS.ProcessEnv = {}): Command {
  const t0 = performance.now();
  const proc = spawn(process.execPath, args, {
    detached: true,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  let out = '';
  const waiters = new Set<() => void>();
  const onData = (c: Buffer) => {
    out += c.toString();
    for (const w of waiters) w();
  };
  proc.stdout.on('data', onData);
  proc.stderr.on('data', onData);
  const exit = new Promise<{ ms: number; code: number | null }>((r) =>
    proc.once('exit', (code) => {
      live.delete(proc);
      r({ ms: performance.now() - t0, code });
    }),
  );
  const bounded = <T>(p: Promise<T>, ms: number, what: string) => {
    let timer: NodeJS.Timeout;
    return Promise.race([
      p,
      new Promise<never>(
        (_, rej) =>
          (timer = setTimeout(
            () => rej(new Error(`${args.join(' ')}: ${what} within ${ms} ms; output:\n${out}`)),
            ms,
          )),
      ),
    ]).finally(() => clearTimeout(timer));
  };
  return {
    proc,
    output: () => out,
    waitFor(pattern, timeoutMs = 30_000) {
      return bounded(
        new Promise<number>((resolve) => {
          const check = () => {
            if (!pattern.test(out)) return;
            waiters.delete(check);
            resolve(performance.now() - t0);
          };
          waiters.add(check);
          check();
        }),
        timeoutMs,
        `no ${String(pattern)}`,
      );
    },
    async exited(timeoutMs = 30_000) {
      const r = await bounded(exit, timeoutMs, 'no exit');
      return { ...r, output: out };
    },
    async kill() {
      killGroup(proc);
      await exit;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
