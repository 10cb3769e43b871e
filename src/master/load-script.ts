// Loading a start script into a host process (Runtime.start): the script's Worker.runAll() hands its
// Worker definitions to us instead of parsing argv, installing signal handlers or exiting.
import { pathToFileURL } from 'node:url';
import { existsSync } from 'node:fs';
import { Worker } from '../worker/Worker.js';
import { evaluateWorkersModule } from '../worker/workers-module.js';
import { RuntimeStartError } from './errors.js';
import { importModule } from '../shared/import-module.js';

type Receiver = (definitions: Worker[]) => void;

let receiver: Receiver | null = null;
let queue: Promise<unknown> = Promise.resolve();
let loads = 0;

/** True while a host is loading a script: runAll() must only hand over its definitions. */
export function isLoadingScript(): boolean {
  return receiver !== null;
}

export function deliverDefinitions(definitions: Worker[]): void {
  receiver?.(definitions);
}

/** Import `script` (an absolute path) and return the Worker definitions its runAll() handed over. */
export function loadDefinitions(script: string): Promise<Worker[]> {
  // One load at a time, so two runtimes never mix their definitions.
  const next = queue.then(() => loadOne(script));
  queue = next.catch(() => undefined);
  return next;
}

async function loadOne(script: string): Promise<Worker[]> {
  if (!existsSync(script)) throw new RuntimeStartError(`start script not found: ${script}`);
  let collected: Worker[] | null = null;
  Worker.takeDefinitions(); // drop definitions left by an earlier script that never called runAll()
  receiver = (definitions) => {
    collected = definitions;
  };
  try {
    // A fresh module instance each time, so the script runs again for a second runtime.
    await importModule(`${pathToFileURL(script).href}?runtime=${++loads}`);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new RuntimeStartError(`could not load start script ${script}: ${detail}`);
  } finally {
    receiver = null;
  }
  Worker.takeDefinitions();
  if (!collected) throw new RuntimeStartError(`start script ${script} did not call Worker.runAll()`);
  return collected;
}

/** Module form: evaluate export `name` of `path` and return the Worker definitions it made. */
export function loadModuleDefinitions(path: string, name: string): Promise<Worker[]> {
  const next = queue.then(() => loadModuleOne(path, name));
  queue = next.catch(() => undefined);
  return next;
}

async function loadModuleOne(path: string, name: string): Promise<Worker[]> {
  if (!existsSync(path)) throw new RuntimeStartError(`workers module not found: ${path}`);
  try {
    return await evaluateWorkersModule(path, name, `runtime=${++loads}`);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new RuntimeStartError(`could not load workers module ${path}: ${detail}`);
  } finally {
    Worker.takeDefinitions();
  }
}
