// `stop [-g]` and `restart [-d] [-g]`: signal the master (SIGTERM, or SIGQUIT for -g), then wait until the
// master and every worker have exited and the pid file is gone. Bounded: stopTimeout plus a margin.
import { isRunning, readPidFile } from '../shared/pidfile.js';
import {
  complain,
  EXIT,
  lookupMaster,
  pollUntil,
  requireMaster,
  say,
  seconds,
  type CliContext,
  type Found,
} from './common.js';
import { runStart } from './start.js';

export async function runStop(context: CliContext): Promise<number> {
  const master = await requireMaster(context);
  if (!master) return EXIT.NOT_RUNNING;
  return (await stopMaster(context, master)) ? EXIT.OK : EXIT.FAILED;
}

/** `restart`: stop what runs (if anything), then start; a daemon stays a daemon. */
export async function runRestart(context: CliContext): Promise<number> {
  const master = await lookupMaster(context);
  if (!master) say(context, 'not running; starting it');
  else if (!(await stopMaster(context, master))) return EXIT.FAILED;
  const daemon = context.daemon || master?.info?.daemon === true;
  if (daemon && !context.daemon) say(context, 'it ran as a daemon: starting it as a daemon again');
  return runStart({ ...context, verb: 'start', daemon });
}

/** Signal the master and wait for everything to go. Prints the outcome; resolves with success. */
async function stopMaster(context: CliContext, master: Found): Promise<boolean> {
  const { pidFile } = context.config;
  const stopTimeout = master.info?.stopTimeout ?? context.config.stopTimeout;
  const pids = [master.pid, ...(master.info?.workers ?? [])];
  const started = Date.now();
  say(context, `${context.graceful ? 'stopping gracefully' : 'stopping'} (master pid ${master.pid})`);
  try {
    process.kill(master.pid, context.graceful ? 'SIGQUIT' : 'SIGTERM');
  } catch (err) {
    complain(context, `stop failed: cannot signal pid ${master.pid}: ${(err as NodeJS.ErrnoException).code}`);
    return false;
  }
  // The master kills its workers at stopTimeout; it exits right after. The margin covers onMasterStop.
  const gone = () => !pids.some(isRunning) && readPidFile(pidFile) !== master.pid;
  if (!(await pollUntil(gone, (stopTimeout + 5) * 1000))) {
    const left = pids.filter(isRunning);
    complain(
      context,
      `stop failed: still running after ${seconds(Date.now() - started)}: pid ${left.join(', ')}`,
    );
    return false;
  }
  // `workers` lists every child pid, warm spares included; `slots` only the workers proper.
  const workers = master.info?.slots.length ?? pids.length - 1;
  const spares = pids.length - 1 - workers;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  say(
    context,
    `stopped (master pid ${master.pid} and ${plural(workers, 'worker')}${spares > 0 ? ` and ${plural(spares, 'spare')}` : ''}) in ${seconds(Date.now() - started)}`,
  );
  return true;
}
