// From the supervisor's events to the Runtime's: log lines, the public events with slot snapshots, and
// the onWorkerExit hook. Reads the supervisor's decisions (the exit's `decision`); decides nothing itself.
import type { EventEmitter } from 'node:events';
import type { Worker } from '../worker/Worker.js';
import { callHook } from './hooks.js';
import type { RuntimeEvents } from './runtime.js';
import { describeExit } from './restart-policy.js';
import { snapshot } from './slot-snapshot.js';
import { slotName, type Supervisor } from './supervisor.js';

export interface AnnounceTarget {
  events: EventEmitter<RuntimeEvents>;
  definitions: readonly Worker[];
  /** Worker.stopAll() in a worker. */
  stop: () => void;
}

export function announce(supervisor: Supervisor, target: AnnounceTarget): void {
  const { events, definitions } = target;
  const log = (message: string) => events.emit('log', message);
  const WorkerClass = definitions[0]?.constructor as typeof Worker | undefined;
  supervisor.on('workerStart', (slot, pid, spare) => {
    log(`worker ${slotName(slot)} ${spare ? 'taken over by its warm spare' : 'started'}, pid ${pid}`);
    events.emit('workerStart', snapshot(slot));
  });
  supervisor.on('workerReady', (slot) => events.emit('workerReady', snapshot(slot)));
  supervisor.on('workerExit', (slot, code, signal, pid, decision) => {
    const outcome = decision.action === 'restart' ? ', replacing it' : '';
    log(`worker ${slotName(slot)} pid ${pid} exited: ${describeExit(code, signal)}${outcome}`);
    events.emit('workerExit', snapshot(slot), code, signal);
    const definition = definitions[slot.definition.index];
    if (definition) void callHook(() => WorkerClass?.onWorkerExit?.(definition, code, signal, pid), log);
  });
  supervisor.on('slotFailed', (slot, reason) => {
    const error = new Error(`worker ${slotName(slot)} ${reason}; not restarting it`);
    log(error.message);
    if (events.listenerCount('error') > 0) events.emit('error', error);
  });
  supervisor.on('stopAllRequested', () => target.stop());
  supervisor.on('spareStart', (definition, pid) => log(`spare for ${definition.name} started, pid ${pid}`));
  supervisor.on('spareExit', (definition, code, signal, pid, respawnInMs) => {
    const outcome =
      respawnInMs === null ? '' : `, replacing it${respawnInMs > 0 ? ` in ${respawnInMs} ms` : ''}`;
    log(`spare for ${definition.name} pid ${pid} exited: ${describeExit(code, signal)}${outcome}`);
  });
  supervisor.on('spareFailed', (definition, reason) =>
    log(`spares for ${definition.name} ${reason}; no more spares until a reload`),
  );
}
