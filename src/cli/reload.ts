// `reload [-g]`: ask the master over the control socket for a rolling reload, wait until the roll is
// done, print which slots were replaced. Exits non-zero when the roll halted.
import type { ReloadReply } from '../master/control/commands.js';
import { readPidFile } from '../shared/pidfile.js';
import { complain, EXIT, say, type CliContext } from './common.js';
import { askMaster } from './ask-master.js';

export async function runReload(context: CliContext): Promise<number> {
  const { config } = context;
  // One round trip, as status does (askMaster): the pid file's master is asked at once; the ping that
  // says why nobody answers runs only then. The bound comes from the script: every slot may take
  // readyTimeout for its replacement and stopTimeout for the old process.
  const slots = Math.max(
    1,
    context.definitions.reduce((n, w) => n + w.count, 0),
  );
  const timeoutMs = (slots * (config.readyTimeout + config.stopTimeout) + 10) * 1000;
  const pid = readPidFile(config.pidFile);
  say(
    context,
    `${context.graceful ? 'reloading gracefully' : 'reloading'}${pid ? ` (master pid ${pid})` : ''}`,
  );
  // the script's reloadConcurrency now, not at the start
  const args = { graceful: context.graceful, concurrency: config.reloadConcurrency };
  const answer = await askMaster<ReloadReply>(context, 'reload', args, undefined, timeoutMs);
  if (!answer.ok) return answer.exit;
  const reply = answer.value;
  if (reply.queued) say(context, 'another reload was running; this one ran after it');
  const list = (names: string[]) => (names.length ? names.join(', ') : 'none');
  if (reply.notified.length) say(context, `ran onWorkerReload (reloadable = false): ${list(reply.notified)}`);
  if (reply.halted) {
    complain(context, `reload halted at ${reply.halted.slot}: ${reply.halted.reason}`);
    complain(context, `replaced: ${list(reply.replaced)}; still on their old processes: ${list(reply.kept)}`);
    return EXIT.FAILED;
  }
  say(context, `reloaded: replaced ${list(reply.replaced)}`);
  return EXIT.OK;
}
