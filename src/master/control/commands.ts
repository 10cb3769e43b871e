// The commands the master answers on its control socket, one small handler each. To add a command
// (`status`, `connections`), add one line to the table in controlCommands().
import type { ReloadResult } from '../reload.js';
import type { Runtime } from '../runtime.js';
import type { MasterInfo } from '../pidfile.js';
import type { ControlHandler } from './server.js';

/** What the handlers can reach in the running master. */
export interface ControlledMaster {
  readonly runtime: Runtime;
  info(): MasterInfo;
  /** Start a stop (as SIGTERM / SIGQUIT would); resolves at once. */
  stop(graceful: boolean): void;
  /** A rolling reload; resolves when the roll is done or halted. */
  reload(graceful: boolean): Promise<ReloadReply>;
}

export interface ReloadReply extends ReloadResult {
  /** True when another reload was running and this one waited for it. */
  queued: boolean;
}

export function controlCommands(master: ControlledMaster): Record<string, ControlHandler> {
  return {
    ping: () => master.info(),
    reload: (args) => master.reload(args.graceful === true),
    stop: (args) => {
      master.stop(args.graceful === true);
      return { stopping: true };
    },
  };
}
