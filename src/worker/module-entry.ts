// What a worker process runs in the module form: evaluate the workers module, then become that worker.
import { runModuleEntry } from './module-worker.js';

await runModuleEntry();
