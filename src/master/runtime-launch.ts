// What Runtime.start() runs: the script form loads the start script for its Worker definitions; the module
// form evaluates the module's export, and its workers run module-entry.js, told the module by environment.
import { resolve as resolvePath } from 'node:path';
import { checkRuntimeOptions } from '../shared/config.js';
import type { Worker } from '../worker/Worker.js';
import { ENV_WORKERS_EXPORT, ENV_WORKERS_MODULE } from '../worker/workers-module.js';
import { packagePath } from '../package-path.js';
import { loadDefinitions, loadModuleDefinitions } from './load-script.js';
import type { RuntimeOptions } from './runtime-types.js';

/** The options the Runtime is made with: the worker script to fork, and the module form's environment. */
export type LaunchOptions = RuntimeOptions & { env?: Record<string, string> };

/** Check the options, load the definitions; throws TypeError on bad options, RuntimeStartError on a bad script. */
export async function loadLaunch(
  options: RuntimeOptions,
): Promise<{ definitions: Worker[]; launch: LaunchOptions }> {
  if (typeof options !== 'object' || options === null || !options.script === !options.module) {
    throw new TypeError('Runtime.start: give exactly one of { script } or { module, export }');
  }
  checkRuntimeOptions(options as RuntimeOptions & Record<string, unknown>);
  if (options.script) {
    const script = resolvePath(options.script);
    return { definitions: await loadDefinitions(script), launch: { ...options, script } };
  }
  const module = resolvePath(options.module ?? '');
  const name = options.export ?? 'default';
  return {
    definitions: await loadModuleDefinitions(module, name),
    launch: {
      ...options,
      script: packagePath('dist/src/worker/module-entry.js'),
      env: { [ENV_WORKERS_MODULE]: module, [ENV_WORKERS_EXPORT]: name },
    },
  };
}
