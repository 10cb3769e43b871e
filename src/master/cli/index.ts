// The command line: `node app.js <verb> [flags]` and `worker <verb> app.js [flags]`.
// A thin layer over Runtime; the only place that maps outcomes to exit codes and calls process.exit.
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { VERSION } from '../../version.js';
import type { Worker } from '../../worker/Worker.js';
import { runConnections } from './connections.js';
import { runStart } from './start.js';
import { runStatus } from './status.js';

export const VERBS = ['start', 'stop', 'restart', 'reload', 'status', 'connections'] as const;
export type Verb = (typeof VERBS)[number];

/** Exit codes of the CLI. */
export const EXIT = { OK: 0, FAILED: 1, USAGE: 64 } as const;

export interface CliContext {
  verb: Verb;
  script: string;
  scriptName: string;
  daemon: boolean;
  graceful: boolean;
  json: boolean;
  definitions: Worker[];
}

export function usage(scriptName: string): string {
  return `Usage: node ${scriptName} <command> [options]
       worker <command> ${scriptName} [options]

Commands:
  start          Start the master and its workers in the foreground.
                 -d  start as a daemon (background)
  stop           Stop the workers and the master.        -g  gracefully
  restart        Stop, then start.                       -d  daemon, -g  graceful stop
  reload         Replace every worker, one at a time.    -g  gracefully
  status         Show every process.                     -d  live, --json  machine-readable
  connections    List every client connection.           --json  machine-readable

Options:
  -h, --help     Show this help.
  -v, --version  Show the version.
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
  const verb = positionals.find((p): p is Verb => (VERBS as readonly string[]).includes(p));
  if (!verb) {
    const unknown = positionals[0];
    process.stderr.write(`${unknown ? `Unknown command "${unknown}".` : 'No command given.'}\n\n${usage(scriptName)}`);
    return EXIT.USAGE;
  }
  const context: CliContext = {
    verb,
    script,
    scriptName,
    daemon: values.daemon ?? false,
    graceful: values.graceful ?? false,
    json: values.json ?? false,
    definitions,
  };
  switch (verb) {
    case 'start':
      return runStart(context);
    case 'status':
      return runStatus(context);
    case 'connections':
      return runConnections(context);
    default:
      process.stderr.write(`workerman-ts[${scriptName}] "${verb}" is not implemented yet\n`);
      return EXIT.FAILED;
  }
}
