// The command line: `node app.js <verb> [flags]` and `worker <verb> app.js [flags]`.
// A thin layer over Runtime; the only place that maps outcomes to exit codes (primary.ts calls process.exit).
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { VERSION } from '../version.js';
import type { Worker } from '../worker/Worker.js';
import { EXIT, ForeignMasterError, resolveConfig, type CliContext } from './common.js';
import { findVerb, VERB_HANDLERS, type Verb } from './verbs.js';

export { EXIT, type CliContext } from './common.js';

export { VERB_HANDLERS, type Verb } from './verbs.js';
export const VERBS = Object.keys(VERB_HANDLERS) as Verb[];

export function usage(scriptName: string): string {
  return `Usage: node ${scriptName} <command> [options]
       worker <command> ${scriptName} [options]

Commands:
  start          Start the master and its workers in the foreground.
                 -d  start as a daemon (background)
  stop           Stop the workers and the master.        -g  gracefully
  restart        Stop, then start.                       -d  daemon, -g  graceful stop
  reload         Replace every worker, two at a time.    -g  gracefully
  status         Show every process.                     -d  live, --json  machine-readable
                 --pushed  counters as workers pushed them (up to ~1.3 s old), late ones asked
  connections    List every client connection.           --json  machine-readable

Options:
  -h, --help     Show this help.
  -v, --version  Show the version.

Exit codes: 0 done, 1 failed, 3 not running, 4 the master belongs to another user, 64 usage error.
`;
}

/** Parse argv (without node and the script) and run the verb. Resolves to the exit code. */
export async function runCli(definitions: Worker[], script: string, argv: string[]): Promise<number> {
  const scriptName = basename(script);
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        daemon: { type: 'boolean', short: 'd' },
        graceful: { type: 'boolean', short: 'g' },
        json: { type: 'boolean' },
        pushed: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage(scriptName)}`);
    return EXIT.USAGE;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`workerman-ts ${VERSION}\n`);
    return EXIT.OK;
  }
  if (values.help) {
    process.stdout.write(usage(scriptName));
    return EXIT.OK;
  }
  const verb = findVerb(positionals);
  if (!verb) {
    const unknown = positionals[0];
    process.stderr.write(
      `${unknown ? `Unknown command "${unknown}".` : 'No command given.'}\n\n${usage(scriptName)}`,
    );
    return EXIT.USAGE;
  }
  if (values.pushed && verb !== 'status') {
    process.stderr.write(`--pushed applies to status only, not to ${verb}.\n\n${usage(scriptName)}`);
    return EXIT.USAGE;
  }
  let config;
  try {
    config = resolveConfig(script, definitions);
  } catch (err) {
    process.stderr.write(`workerman-ts[${scriptName}] ${(err as Error).message}\n`);
    return EXIT.FAILED;
  }
  const context: CliContext = {
    verb,
    script,
    scriptName,
    daemon: values.daemon ?? false,
    graceful: values.graceful ?? false,
    json: values.json ?? false,
    pushed: values.pushed ?? false,
    argv,
    definitions,
    config,
  };
  const handler = await VERB_HANDLERS[verb]();
  try {
    return await handler(context);
  } catch (err) {
    if (!(err instanceof ForeignMasterError)) throw err;
    process.stderr.write(`workerman-ts[${scriptName}] ${err.message}\n`);
    return EXIT.NOT_OWNER;
  }
}
