// What a worker process runs in the module form: evaluate the workers module, then become that worker.
import { Worker } from './Worker.js';
import { ENV_WORKERS_EXPORT, ENV_WORKERS_MODULE, evaluateWorkersModule } from './workers-module.js';

const workers = await evaluateWorkersModule(
  process.env[ENV_WORKERS_MODULE] ?? '',
  process.env[ENV_WORKERS_EXPORT] ?? 'default',
);
Worker.replaceDefinitions(workers);
Worker.runAll();
