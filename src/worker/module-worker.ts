// The module form's worker process (module-entry.ts runs it): evaluate the workers module named in the
// environment, then become that worker. A function, so the bundle's core can export it to its entry shim.
import { Worker } from './Worker.js';
import { ENV_WORKERS_EXPORT, ENV_WORKERS_MODULE, evaluateWorkersModule } from './workers-module.js';

export async function runModuleEntry(): Promise<void> {
  const workers = await evaluateWorkersModule(
    process.env[ENV_WORKERS_MODULE] ?? '',
    process.env[ENV_WORKERS_EXPORT] ?? 'default',
  );
  Worker.replaceDefinitions(workers);
  Worker.runAll();
}
