// TLS certificate verification is on unless the app turns it off (`tls: { rejectUnauthorized: false }`);
// turning it off is said once per process (each worker process of a Worker says it once), not per connect.
import { ENV_WORKER_ID, ENV_WORKER_NAME } from '../shared/messages.js';
import type { TlsOptions } from './types.js';

let warned = false;

/** @internal Warn once if `tls` turns certificate verification off. */
export function warnIfUnverified(tls: TlsOptions, displayUrl: string): void {
  if (warned || tls.rejectUnauthorized !== false) return;
  warned = true;
  const who = process.env[ENV_WORKER_NAME]
    ? `worker ${process.env[ENV_WORKER_NAME]}#${process.env[ENV_WORKER_ID] ?? '?'} (pid ${process.pid})`
    : `pid ${process.pid}`;
  try {
    process.stderr.write(
      `[workerman-ts] ${who}: TLS certificate verification is off (tls.rejectUnauthorized = false) for ${displayUrl}` +
        ` and every other connection of this process: anyone on the path can read and change the traffic\n`,
    );
  } catch {
    // no stderr: nothing to tell
  }
}
