// The master's signals: the contract for systemd, Kubernetes and `kill`. One list, one handler each
// (gunicorn's arbiter is the model); handlers only call into the master, they do no work themselves.
// docs/signals.md explains every one and how it differs from Workerman.

/** What the signals act on (the CLI master implements it on top of a Runtime). */
export interface SignalActions {
  /** True once a stop began (by a signal, the control socket or Worker.stopAll()). */
  isStopping(): boolean;
  stop(graceful: boolean): void;
  /** Escalate a stop in progress: SIGKILL every worker now. */
  kill(): void;
  reload(graceful: boolean): void;
  reopenLogs(): void;
  log(message: string): void;
}

export interface SignalOptions {
  /** SIGHUP means "the terminal is gone" (stop) only for a foreground master on a terminal. */
  hangupStops: boolean;
}

export const MASTER_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGHUP'] as const;
export type MasterSignal = (typeof MASTER_SIGNALS)[number];

/** Install the handlers; returns a function that removes them. */
export function installSignals(actions: SignalActions, options: SignalOptions): () => void {
  /** SIGINT, SIGTERM: stop. SIGQUIT: graceful stop. A second stop signal escalates to SIGKILL. */
  const handleStop = (signal: MasterSignal, graceful: boolean) => {
    if (actions.isStopping()) {
      actions.log(`${signal} received during stop: killing every worker now`);
      actions.kill();
      return;
    }
    actions.log(`${signal} received: ${graceful ? 'stopping gracefully' : 'stopping'}`);
    actions.stop(graceful);
  };

  const handlers: Record<MasterSignal, () => void> = {
    SIGINT: () => handleStop('SIGINT', false),
    SIGTERM: () => handleStop('SIGTERM', false),
    SIGQUIT: () => handleStop('SIGQUIT', true),
    /** SIGUSR1: rolling reload (this replaces Node's "start the inspector" default on the master). */
    SIGUSR1: () => {
      actions.log('SIGUSR1 received: reloading');
      actions.reload(false);
    },
    /** SIGUSR2: graceful rolling reload (old workers get the whole stopTimeout for onWorkerStop). */
    SIGUSR2: () => {
      actions.log('SIGUSR2 received: reloading gracefully');
      actions.reload(true);
    },
    /** SIGHUP: reopen the log file (logrotate); a foreground master on a terminal stops instead. */
    SIGHUP: () => {
      if (options.hangupStops) return handleStop('SIGHUP', false);
      actions.reopenLogs();
      actions.log('SIGHUP received: log file reopened');
    },
  };

  for (const signal of MASTER_SIGNALS) process.on(signal, handlers[signal]);
  return () => {
    for (const signal of MASTER_SIGNALS) process.off(signal, handlers[signal]);
  };
}
