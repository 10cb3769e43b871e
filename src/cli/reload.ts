// `reload [-g]`: ask the master over the control socket for a rolling reload, wait until the roll is
// done, print which slots were replaced. Exits non-zero when the roll halted.
import { controlRequest } from '../shared/control/client.js';
import type { ReloadReply } from '../master/control/commands.js';
import { complain, EXIT, requireMaster, say, type CliContext } from './common.js';

export async function runReload(context: CliContext): Promise<number> {
  const master = await requireMaster(context);
  if (!master) return EXIT.NOT_RUNNING;
  const { stopTimeout, readyTimeout } = master.info ?? context.config;
  const slots = Math.max(1, master.info?.slots.length ?? 1);
  // Each slot: a replacement gets readyTimeout to be ready, the old one stopTimeout to go. Bounded.
  const timeoutMs = (slots * (readyTimeout + stopTimeout) + 10) * 1000;
  say(context, `${context.graceful ? 'reloading gracefully' : 'reloading'} (master pid ${master.pid})`);
  let reply: ReloadReply;
  try {
    const concurrency = context.config.reloadConcurrency; // the script's setting now, not at the start
    reply = await controlRequest<ReloadReply>(
      master.pid,
      'reload',
      { graceful: context.graceful, concurrency },
      timeoutMs,
    );
  } catch (err) {
    complain(context, `reload failed: ${(err as Error).message}`);
    return EXIT.FAILED;
  }
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
