// systemd integration of the CLI master: on when systemd set NOTIFY_SOCKET (Type=notify), off otherwise.
import { SYSTEMD_NOTIFY_ENV, SystemdNotifier, watchdogIntervalMs } from './notify.js';
import { SystemdService } from './service.js';

export { SystemdService } from './service.js';

/**
 * The master's systemd service, or null when systemd did not ask for notifications. Takes NOTIFY_SOCKET and
 * WATCHDOG_* out of this process's environment (as sd_notify's unset_environment does), so the workers and
 * whatever they spawn do not notify, or feed the watchdog, in the master's name.
 */
export function systemdFromEnvironment(log: (message: string) => void): SystemdService | null {
  const env = process.env;
  const notifier = SystemdNotifier.fromEnvironment(env, { onError: log });
  if (!notifier) return null;
  const watchdogMs = watchdogIntervalMs(env);
  for (const key of SYSTEMD_NOTIFY_ENV) delete env[key];
  return new SystemdService(notifier, { watchdogMs, log });
}
