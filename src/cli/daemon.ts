// `start -d`, the CLI's side: re-spawn this script detached (new session, no controlling terminal) with
// stdout/stderr in the stdout file, and wait until the new master says its workers are ready (or why they
// are not) over an IPC channel that it closes right after. The daemon's side is master/daemon-report.ts.
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import type { DaemonMessage } from '../master/daemon-report.js';

/** Set in the daemon's environment: this process is the detached master. */
export const ENV_DAEMON = 'WORKERMAN_TS_DAEMON';

export type DaemonOutcome =
  { ok: true; pid: number; workers: number } | { ok: false; pid: number | null; error: string };

export interface DaemonOptions {
  script: string;
  /** Verb and flags for the daemon (`start`, without `-d`). */
  argv: string[];
  stdoutFile: string;
  /** How long to wait for the daemon's answer. */
  timeoutMs: number;
}

export function isDaemonChild(): boolean {
  return process.env[ENV_DAEMON] === '1' && typeof process.send === 'function';
}

/** Spawn the daemon and wait for its readiness report. */
export function spawnDaemon(options: DaemonOptions): Promise<DaemonOutcome> {
  const out = openSync(options.stdoutFile, 'a', 0o600);
  let child;
  try {
    child = spawn(process.execPath, [...process.execArgv, options.script, ...options.argv], {
      detached: true,
      stdio: ['ignore', out, out, 'ipc'],
      env: { ...process.env, [ENV_DAEMON]: '1' },
    });
  } finally {
    closeSync(out);
  }
  const pid = child.pid ?? null;
  return new Promise((resolve) => {
    const done = (outcome: DaemonOutcome) => {
      clearTimeout(timer);
      child.removeAllListeners();
      if (child.connected) child.disconnect();
      child.unref();
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      done({
        ok: false,
        pid,
        error: `no answer from the daemon (pid ${pid}) within ${options.timeoutMs / 1000} s; stopped it`,
      });
    }, options.timeoutMs);
    child.on('message', (message: DaemonMessage) => {
      if (message?.wmd === 'ready') done({ ok: true, pid: message.pid, workers: message.workers });
      else if (message?.wmd === 'failed') done({ ok: false, pid, error: message.error });
    });
    child.on('error', (err) => done({ ok: false, pid, error: `could not start the daemon: ${err.message}` }));
    child.on('exit', (code, signal) =>
      done({
        ok: false,
        pid,
        error: `the daemon exited before it was ready (${signal ?? `exit code ${code}`})`,
      }),
    );
  });
}
