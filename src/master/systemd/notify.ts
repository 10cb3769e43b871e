// systemd's notify protocol (sd_notify(3)): one AF_UNIX datagram of `KEY=VALUE` lines to $NOTIFY_SOCKET.
//
// Node cannot send that datagram itself: `dgram` is UDP only, libuv has no AF_UNIX datagram socket, `net`
// connects stream sockets only (a stream connect to a datagram socket fails with EPROTOTYPE), and a socket
// cannot be opened through /proc (ENXIO). Every pure-JS notifier therefore runs a helper; we run
// `systemd-notify`, which ships with systemd itself (so it is there wherever a NOTIFY_SOCKET is), as
// `systemd-notify --pid=<master pid> KEY=VALUE...`, one helper per message, strictly one after the other:
// - as root it sends the master's pid in SCM_CREDENTIALS, so systemd attributes the message to the main
//   process and `NotifyAccess=main` works; without CAP_SYS_ADMIN the kernel refuses forged credentials and
//   the datagram carries the helper's own pid, so the unit needs `NotifyAccess=all`;
// - it waits until systemd has processed the message (BARRIER=1), so a message cannot be lost because the
//   helper exited first, and the next message is sent only then (the order READY, RELOADING, STOPPING holds).
// docs/deployment.md explains the consequences for the unit file.
import { execFile } from 'node:child_process';

export type NotifyFields = Record<string, string | number>;

/** How long one helper may take (systemd-notify itself waits up to 5 s for the barrier). */
const HELPER_TIMEOUT_MS = 10_000;

export interface NotifierOptions {
  /** $NOTIFY_SOCKET: a path, or `@name` for the abstract namespace. */
  socket: string;
  /** The pid systemd should see as the sender and as MAINPID. Default: this process. */
  pid?: number;
  /** The helper to run. Default `systemd-notify` from PATH. */
  command?: string;
  /** Hears why a message could not be sent (once per kind of failure). */
  onError?: (message: string) => void;
}

export class SystemdNotifier {
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private disabled = false;
  private readonly reported = new Set<string>();
  readonly pid: number;

  /** The notifier for this process's environment, or null when systemd did not ask for notifications. */
  static fromEnvironment(
    env: NodeJS.ProcessEnv,
    options: Omit<NotifierOptions, 'socket'> = {},
  ): SystemdNotifier | null {
    const socket = env.NOTIFY_SOCKET;
    if (!socket) return null;
    return new SystemdNotifier({ ...options, socket });
  }

  constructor(private readonly options: NotifierOptions) {
    this.pid = options.pid ?? process.pid;
  }

  /** Messages handed to send() whose helper has not finished yet. */
  get inFlight(): number {
    return this.pending;
  }

  /** Queue one datagram with `fields`; resolves once it was handed to systemd (or failed, reported). */
  send(fields: NotifyFields): Promise<void> {
    if (this.disabled) return Promise.resolve();
    const assignments = Object.entries(fields).map(([key, value]) => `${key}=${oneLine(String(value))}`);
    this.pending++;
    this.queue = this.queue.then(() => this.run(assignments)).finally(() => this.pending--);
    return this.queue;
  }

  /** Resolves once every queued message was sent. */
  flush(): Promise<void> {
    return this.queue;
  }

  private run(assignments: string[]): Promise<void> {
    if (this.disabled) return Promise.resolve();
    const command = this.options.command ?? 'systemd-notify';
    return new Promise((resolve) => {
      execFile(
        command,
        [`--pid=${this.pid}`, ...assignments],
        {
          env: { ...process.env, NOTIFY_SOCKET: this.options.socket },
          timeout: HELPER_TIMEOUT_MS,
          killSignal: 'SIGKILL',
        },
        (err, _stdout, stderr) => {
          if (err) this.fail(err as NodeJS.ErrnoException & { killed?: boolean }, stderr, command);
          resolve();
        },
      );
    });
  }

  private fail(err: NodeJS.ErrnoException & { killed?: boolean }, stderr: string, command: string): void {
    if (err.code === 'ENOENT') {
      // Without the helper nothing can be sent: say so once, and stop trying.
      this.disabled = true;
      this.report(
        'missing',
        `NOTIFY_SOCKET is set but ${command} was not found on PATH: cannot notify systemd ` +
          `(install systemd's systemd-notify, or use Type=simple in the unit)`,
      );
      return;
    }
    const why = err.killed ? `no answer within ${HELPER_TIMEOUT_MS / 1000} s` : stderr.trim() || err.message;
    this.report(why, `systemd notification failed: ${why}`);
  }

  private report(kind: string, message: string): void {
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.options.onError?.(message);
  }
}

/** A value is one line of the datagram: a newline inside STATUS would start a new assignment. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ');
}

/** CLOCK_MONOTONIC in microseconds, what systemd expects in MONOTONIC_USEC (libuv's hrtime is that clock). */
export function monotonicUsec(): string {
  return String(process.hrtime.bigint() / 1000n);
}

/**
 * The watchdog interval the unit asked for, in ms (half of WATCHDOG_USEC, as sd_watchdog_enabled(3)
 * recommends), or null when there is none or it is meant for another process (WATCHDOG_PID).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

/** The variables systemd sets for the main process only: workers must not notify in its name. */
export const SYSTEMD_NOTIFY_ENV = ['NOTIFY_SOCKET', 'WATCHDOG_USEC', 'WATCHDOG_PID'] as const;
