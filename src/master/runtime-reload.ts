// One reload of a Runtime: the onMasterReload hook, the rolling reload (reload.ts), the log lines and the
// result. The spares are retired first and refilled after: a spare forked before the reload holds the old
// code, and the next crash would bring it back.
import type { Worker } from '../worker/Worker.js';
import { callHook } from './hooks.js';
import { engine } from './engine-loader.js';
import type { ReloadResult } from './reload.js';
import type { Supervisor } from './supervisor.js';

export interface ReloadRun {
  supervisor: Supervisor;
  WorkerClass: typeof Worker | undefined;
  graceful: boolean;
  concurrency: number;
  readyTimeout: number;
  stopTimeout: number;
  isStopping: () => boolean;
  log: (message: string) => void;
}

export async function reloadOnce(run: ReloadRun): Promise<ReloadResult> {
  const { supervisor, log } = run;
  await callHook(() => run.WorkerClass?.onMasterReload?.(), log);
  log('reloading workers');
  supervisor.spares.retire();
  let result: ReloadResult;
  try {
    result = await engine().rollingReload(supervisor, {
      graceful: run.graceful,
      readyTimeout: run.readyTimeout,
      stopTimeout: run.stopTimeout,
      concurrency: run.concurrency,
    });
  } finally {
    if (!run.isStopping()) supervisor.spares.start();
  }
  if (run.isStopping() && result.halted) {
    const message = `reload interrupted: the runtime began stopping; replaced before that: ${result.replaced.join(', ') || 'none'}`;
    log(message);
    throw new Error(message);
  }
  log(
    result.halted
      ? `reload halted at ${result.halted.slot}: ${result.halted.reason}`
      : `reload done: ${result.replaced.length} replaced, ${result.notified.length} notified`,
  );
  return result;
}
