// The primary side of Worker.runAll(): hand the definitions to a loading Runtime, or run the CLI.
// The CLI is imported only when it runs: every worker process and every host that embeds a Runtime loads
// this file too, and none of them needs the CLI's code.
import { setPrimaryEntry, type Worker } from './worker/Worker.js';
import { deliverDefinitions, isLoadingScript } from './master/load-script.js';
import { findVerb, VERB_HANDLERS } from './cli/verbs.js';
import { surviveBrokenPipes } from './broken-pipe.js';

/** The script the CLI acts on; the `worker` bin sets it before importing the script. */
function scriptPath(): string {
  return process.argv[1] ?? 'app.js';
}

function primaryEntry(definitions: Worker[]): void {
  if (isLoadingScript()) {
    deliverDefinitions(definitions);
    return;
  }
  surviveBrokenPipes();
  // The verb's module loads while the CLI's does (a failure shows when runCli loads it again).
  const verb = findVerb(process.argv.slice(2));
  if (verb) VERB_HANDLERS[verb]().catch(() => undefined);
  import('./cli/index.js')
    .then(({ runCli }) => runCli(definitions, scriptPath(), process.argv.slice(2)))
    .then(
      (code) => process.exit(code),
      (err: unknown) => {
        process.stderr.write(
          `workerman-ts: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
        );
        process.exit(1);
      },
    );
}

setPrimaryEntry(primaryEntry);
