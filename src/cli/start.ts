// `start [-d]`: refuse when a master already runs; otherwise become the master in the foreground, or
// re-spawn as a daemon and report "started" only once its workers are ready.
import { isDaemonChild, spawnDaemon, ENV_DAEMON } from './daemon.js';
import { VERSION } from '../version.js';
import { complain, EXIT, lookupMaster, say, type CliContext } from './common.js';

// The master's machinery (Runtime, control server, signals, log file) is loaded only by the process that
// becomes the master: the CLI of `start -d` spawns the daemon without it, sooner.
const runMaster: typeof import('../master/master.js').runMaster = async (context, mode) =>
  (await import('../master/master.js')).runMaster(context, mode);

export async function runStart(context: CliContext): Promise<number> {
  const daemonChild = isDaemonChild();
  if (daemonChild) delete process.env[ENV_DAEMON]; // not inherited by workers or anything they spawn
  if (!daemonChild) {
    const running = await lookupMaster(context);
    if (running) {
      complain(context, `already running, pid ${running.pid}`);
      return EXIT.FAILED;
    }
  }
  if (daemonChild) return runMaster(context, { daemon: true });
  if (context.daemon) return startDaemon(context);
  // JSON logs: stdout carries nothing but JSON lines (a log shipper reads it), so no banner.
  if (context.config.logFormat !== 'json') {
    say(context, 'start in FOREGROUND mode');
    process.stdout.write(banner(context));
  }
  return runMaster(context, { daemon: false });
}

async function startDaemon(context: CliContext): Promise<number> {
  const { config } = context;
  say(context, 'start in DAEMON mode');
  process.stdout.write(banner(context));
  const argv = [
    'start',
    ...context.argv.filter((a) => !['-d', '--daemon', 'start', 'restart', '-g', '--graceful'].includes(a)),
  ];
  const outcome = await spawnDaemon({
    script: context.script,
    argv,
    stdoutFile: config.stdoutFile,
    // the daemon's own start deadline, plus time to load the script and answer
    timeoutMs: (config.readyTimeout + config.stopTimeout + 10) * 1000,
  });
  if (!outcome.ok) {
    complain(context, `start failed: ${outcome.error}`);
    complain(
      context,
      `see ${config.logFile}${config.stdoutFile === '/dev/null' ? '' : ` and ${config.stdoutFile}`}`,
    );
    return EXIT.FAILED;
  }
  say(
    context,
    `started as a daemon, pid ${outcome.pid}, ${outcome.workers} worker${outcome.workers === 1 ? '' : 's'} ready`,
  );
  say(context, `pid file ${config.pidFile}, log ${config.logFile}, output ${config.stdoutFile}`);
  const viaBin = (globalThis as Record<symbol, unknown>)[Symbol.for('workerman-ts.bin')] === true;
  const stopCommand =
    viaBin || /\.(c|m)?ts$/.test(context.scriptName)
      ? `npx worker stop ${context.scriptName}`
      : `node ${context.scriptName} stop`;
  say(context, `run "${stopCommand}" to stop it`);
  return EXIT.OK;
}

function banner(context: CliContext): string {
  // the listen column as in Workerman's banner: 'none' for a Worker without a server
  const listens = context.definitions.map((w) => (typeof w.listen === 'string' && w.listen) || 'none');
  const width = Math.max(8, ...listens.map((l) => l.length)) + 2;
  const rows = context.definitions.map(
    (w, i) => `${w.name.padEnd(24)}${listens[i]!.padEnd(width)}${String(w.count).padEnd(8)}`,
  );
  const line = '-'.repeat(Math.max(48, 32 + width));
  return [
    line,
    `workerman-ts/${VERSION}   Node/${process.version}   ${process.platform}`,
    line,
    `${'worker'.padEnd(24)}${'listen'.padEnd(width)}${'count'.padEnd(8)}`,
    ...rows,
    line,
    '',
  ].join('\n');
}
