// The module form of a runtime: `Runtime.start({ module, export })`. The named export is a function
// that defines Worker objects (it may return them, or a promise), or a Worker, or an array of Workers.
// Only the Workers of that export count (others the module defines at load time are ignored, and a
// Worker.runAll() the module or the export calls does nothing). The host
// and every worker process evaluate it the same way, so the definitions line up by index.
import { pathToFileURL } from 'node:url';
import { importModule } from '../shared/import-module.js';
import { Worker, withoutRunAll } from './Worker.js';

export const ENV_WORKERS_MODULE = 'WORKERMAN_TS_MODULE';
export const ENV_WORKERS_EXPORT = 'WORKERMAN_TS_EXPORT';

/** Import `path` (a fresh instance when `fresh` is set) and return the Workers its export `name` defines. */
export async function evaluateWorkersModule(path: string, name: string, fresh?: string): Promise<Worker[]> {
  const url = pathToFileURL(path).href + (fresh ? `?${fresh}` : '');
  const mod = (await withoutRunAll(() => importModule(url))) as Record<string, unknown>;
  Worker.takeDefinitions(); // definitions made while loading belong to other exports
  if (!(name in mod)) {
    throw new TypeError(
      `${path} has no export named "${name}" (exports: ${Object.keys(mod).join(', ') || 'none'})`,
    );
  }
  let value = mod[name];
  if (typeof value === 'function') {
    // async: a factory that throws rejects like one that returns a rejected promise.
    // eslint-disable-next-line @typescript-eslint/require-await
    const returned: unknown = await withoutRunAll(async () => (value as () => unknown)());
    const made = Worker.takeDefinitions();
    if (made.length > 0) return made;
    value = returned;
  }
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((w) => w instanceof Worker)) {
    throw new TypeError(
      `export "${name}" of ${path} must be a Worker, an array of Workers, or a function that creates them`,
    );
  }
  return list;
}
