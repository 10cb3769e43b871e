// `start -d`, the daemon's side: tell the CLI that spawned us (cli/daemon.ts) that the workers are ready,
// or why starting failed, then close the IPC channel so the CLI can exit.

/** The one message the daemon sends its CLI. */
export type DaemonMessage = { wmd: 'ready'; pid: number; workers: number } | { wmd: 'failed'; error: string };

/** In the daemon: the workers are ready; tell the CLI and let go of it. */
export function reportReady(workers: number): Promise<void> {
  return report({ wmd: 'ready', pid: process.pid, workers });
}

/** In the daemon: starting failed; tell the CLI why. */
export function reportFailed(error: string): Promise<void> {
  return report({ wmd: 'failed', error });
}

function report(message: DaemonMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, () => {
      if (process.connected) process.disconnect();
      resolve();
    });
  });
}
