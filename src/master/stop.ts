// The stop ladder, for every live worker in parallel:
//   stop message (onWorkerStop, awaited in the worker, then connections closed with 1001)
//   -> SIGTERM at 80% of the deadline -> SIGKILL at the deadline.
// Resolves when every process has exited. Nothing waits forever.
import type { Worker as ClusterWorker } from 'node:cluster';
import type { Supervisor } from './supervisor.js';

export interface StopOptions {
  /** Wait for onWorkerStop for up to the whole deadline (otherwise it gets at most 2 s). */
  graceful: boolean;
  /** Seconds until SIGKILL. */
  timeout: number;
}

export async function stopWorkers(supervisor: Supervisor, options: StopOptions): Promise<void> {
  supervisor.stopping = true;
  supervisor.cancelRestarts();
  for (const slot of supervisor.slots) if (slot.process) slot.state = 'stopping';
  const timeoutMs = Math.max(0, options.timeout * 1000);
  await Promise.all(
    supervisor.liveProcesses().map((w) => stopOne(supervisor, w, options.graceful, timeoutMs)),
  );
}

/** Stop one process with the ladder; resolves on its exit. */
export function stopOne(
  supervisor: Supervisor,
  worker: ClusterWorker,
  graceful: boolean,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    if (worker.isDead()) return resolve();
    const timers: NodeJS.Timeout[] = [];
    worker.once('exit', () => {
      for (const t of timers) clearTimeout(t);
      resolve();
    });
    const message = { wm: 'stop', graceful, timeoutMs: Math.floor(timeoutMs * 0.7) } as const;
    supervisor.send(worker, message);
    // A worker still booting may not have heard it: say it again when it first speaks (stop is idempotent).
    worker.once('message', () => supervisor.send(worker, message));
    timers.push(setTimeout(() => signal(worker, 'SIGTERM'), Math.floor(timeoutMs * 0.8)));
    timers.push(setTimeout(() => signal(worker, 'SIGKILL'), timeoutMs));
  });
}

/** Escalate: kill every live process at once (a second stop signal). */
export function killAll(supervisor: Supervisor): void {
  for (const worker of supervisor.liveProcesses()) signal(worker, 'SIGKILL');
}

function signal(worker: ClusterWorker, name: NodeJS.Signals): void {
  if (!worker.isDead()) worker.process.kill(name);
}
