// Whether the master's log file takes its lines. A full disk (or /dev/full) must not stop the master, but
// losing every line without a word is worse: the first failure is said once on stderr, and `status` shows it.

export interface LogFileHealth {
  /** The log file's path. */
  file: string;
  /** Why the last write failed (`ENOSPC: no space left on device`), or null while writes succeed. */
  error: string | null;
  /** Lines that could not be written since the master started. */
  lostLines: number;
}

/** Process-wide, like the runtimes: the CLI's master and the status service may be separate module copies. */
const registry = ((globalThis as { [key: symbol]: unknown })[Symbol.for('workerman-ts.logHealth')] ??= {
  current: null,
}) as { current: LogFileHealth | null };

/** The log file's health as `status` reports it, or null when this process writes no log file. */
export function logFileHealth(): LogFileHealth | null {
  return registry.current ? { ...registry.current } : null;
}

/** @internal The log file at `file` was opened. */
export function trackLogFile(file: string): void {
  registry.current = { file, error: null, lostLines: 0 };
}

/** @internal A line was written (`err` undefined) or lost. Says so on stderr when that changes. */
export function noteLogWrite(err?: unknown): void {
  const health = registry.current;
  if (!health) return;
  if (err === undefined) {
    if (health.error === null) return;
    health.error = null;
    warn(`the log file ${health.file} is writable again (${health.lostLines} lines lost so far)`);
    return;
  }
  health.lostLines++;
  if (health.error !== null) return;
  const e = err as NodeJS.ErrnoException;
  health.error = e.code
    ? `${e.code}: ${e.message.replace(/^\w+: /, '').replace(/, write$/, '')}`
    : err instanceof Error
      ? err.message
      : 'write failed';
  warn(
    `cannot write the log file ${health.file} (${health.error}): log lines are being lost; status shows it`,
  );
}

function warn(message: string): void {
  try {
    process.stderr.write(`workerman-ts: ${message}\n`);
  } catch {
    // stderr gone too: status still shows it
  }
}
