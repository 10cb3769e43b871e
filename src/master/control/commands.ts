// The commands the master answers on its control socket, one small handler each. To add a command,
// add one line to the table in controlCommands().
import type { ReloadResult } from '../reload.js';
import type { Runtime } from '../runtime.js';
import type { MasterInfo } from '../../shared/pidfile.js';
import type { ControlHandler } from './server.js';
import { isReloadConcurrency } from '../../shared/config.js';
import { StreamedReply } from '../../shared/control/protocol.js';

/** What the handlers can reach in the running master. */
export interface ControlledMaster {
  readonly runtime: Runtime;
  info(): MasterInfo;
  /** A rolling reload; resolves when the roll is done or halted. */
  reload(graceful: boolean, concurrency?: number): Promise<ReloadReply>;
  /** Start a stop (as SIGTERM / SIGQUIT would); resolves at once. */
  stop(graceful: boolean): void;
}

export interface ReloadReply extends ReloadResult {
  /** True when another reload was running and this one waited for it. */
  queued: boolean;
}

/** `busyAfterMs` from a request, bounded: how long a worker may take before it shows as busy. */
function busyAfter(args: Record<string, unknown>): { busyAfterMs?: number } {
  return typeof args.busyAfterMs === 'number' && args.busyAfterMs > 0
    ? { busyAfterMs: Math.min(args.busyAfterMs, 10_000) }
    : {};
}

export function controlCommands(master: ControlledMaster): Record<string, ControlHandler> {
  return {
    ping: () => master.info(),
    // `{ counters: 'pushed' }` (status --pushed): counters as the workers pushed them, late ones asked.
    status: (args) =>
      master.runtime.status({ ...busyAfter(args), counters: args.counters === 'pushed' ? 'pushed' : 'live' }),
    // `{ format: 'stream' }` (what the CLI asks for): the compact ConnectionsTable in parts, one
    // `{ worker, rows }` per worker as it answers, then `{ time, columns, busy }`; without it the
    // ConnectionsReport as documented.
    connections: (args) =>
      args.format === 'stream'
        ? new StreamedReply((part) =>
            master.runtime.streamConnections(busyAfter(args), (worker, rows) =>
              part(`{"worker":${JSON.stringify(worker)},"rows":${rows}}`),
            ),
          )
        : master.runtime.connections(busyAfter(args)),
    // The CLI sends the start script's reloadConcurrency as it is now (edited since the start, perhaps).
    reload: (args) =>
      master.reload(
        args.graceful === true,
        isReloadConcurrency(args.concurrency) ? args.concurrency : undefined,
      ),
    stop: (args) => {
      master.stop(args.graceful === true);
      return { stopping: true };
    },
  };
}
