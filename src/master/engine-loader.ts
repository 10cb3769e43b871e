// Loads the master's machinery (engine.ts) on the first Runtime.start()/create(): the package entry
// exports Runtime, so every worker process and CLI verb loads runtime.ts, and none of them runs a runtime.
/** The supervisor, status service, reload and stop machinery (engine.ts). */
export type Engine = typeof import('./engine.js');
let loadedEngine: Engine | null = null;
export async function loadEngine(): Promise<Engine> {
  return (loadedEngine ??= await import('./engine.js'));
}
/** The engine, which every Runtime instance has (they are only made after loadEngine()). */
export function engine(): Engine {
  if (!loadedEngine) throw new Error('workerman-ts: Runtime used before Runtime.start()');
  return loadedEngine;
}
