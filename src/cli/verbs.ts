// The CLI's verbs: one loader per verb, so `status` never loads the master's code and `start` never loads
// the table renderer. Kept apart from cli/index.ts so that primary.ts can start loading the verb's module
// while the CLI's own module loads (two dynamic imports in a row cost ~8 ms each).
import type { CliContext } from './common.js';

type VerbHandler = (context: CliContext) => Promise<number>;

/** Resolves to the verb's handler, which resolves to the exit code. Add a verb by adding a line. */
export const VERB_HANDLERS = {
  start: async () => (await import('./start.js')).runStart,
  stop: async () => (await import('./stop.js')).runStop,
  restart: async () => (await import('./stop.js')).runRestart,
  reload: async () => (await import('./reload.js')).runReload,
  status: async () => (await import('./status.js')).runStatus,
  connections: async () => (await import('./connections.js')).runConnections,
} satisfies Record<string, () => Promise<VerbHandler>>;

export type Verb = keyof typeof VERB_HANDLERS;

/** The verb named in `argv` (the first one), if any. */
export function findVerb(argv: readonly string[]): Verb | undefined {
  return argv.find((arg): arg is Verb => Object.hasOwn(VERB_HANDLERS, arg));
}
