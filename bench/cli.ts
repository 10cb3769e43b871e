// CLI wall times (Node start-up included) for the verbs that talk to a running master: reload, status,
// status --json, stop. Each needs the verb on this branch; a verb that is not there yet is reported as not
// measured (never as a figure). Run: npm run bench:cli
import { isMain } from './lib/stats.js';

export async function runCli(): Promise<void> {
  console.log('cli: reload/status/stop verbs are not implemented on this branch yet: not measured');
}

if (isMain(import.meta.url)) await runCli();
