// The master-side user hooks (Worker.onMasterReload, onMasterStop, onWorkerExit): run them, and keep an
// exception from reaching the master's own code.

/** Run a user hook; an exception becomes a log line (`log`), never a throw into the master. */
import { redact } from '../connection/secrets.js';

export async function callHook(fn: () => unknown, log: (message: string) => void): Promise<void> {
  try {
    await fn();
  } catch (err) {
    const error = err instanceof Error ? err : new Error(String(err));
    log(`master hook failed: ${redact(error.stack ?? error.message)}`);
  }
}
