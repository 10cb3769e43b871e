// Small waiting helpers for tests: every wait is bounded.
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** Resolves when `cond()` is truthy; rejects after `ms` with `what` in the message. */
export async function waitFor(cond: () => unknown, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}
