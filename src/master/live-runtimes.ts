// Runtimes of this process that have not been stopped: Worker.stopAll() outside a worker stops them.
// Process-wide: a start script that tsx runs as CommonJS loads this package as CommonJS, while the CLI it
// imports lazily (primary.ts) is ESM, so this module can exist twice in one master.
import { setPrimaryStopAll } from '../worker/Worker.js';

interface Stoppable {
  stop(): Promise<void>;
}

export const liveRuntimes = ((globalThis as { [key: symbol]: unknown })[
  Symbol.for('workerman-ts.liveRuntimes')
] ??= new Set<Stoppable>()) as Set<Stoppable>;

setPrimaryStopAll(() => {
  for (const runtime of liveRuntimes) void runtime.stop();
});
