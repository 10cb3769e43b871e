// The master process the CLI runs (foreground or daemon): pid file, log file, control socket and signals
// around a Runtime. Resolves with the exit code once every worker has exited and the pid file is gone.
import { ControlServer } from './control/server.js';
import { controlCommands, type ControlledMaster, type ReloadReply } from './control/commands.js';
import { reportFailed, reportReady } from './daemon-report.js';
import { MasterLog } from './master-log.js';
import {
  findMaster,
  removePidFile,
  removeStalePidFile,
  writePidFile,
  type MasterInfo,
} from '../shared/pidfile.js';
import { RuntimeStartError } from './errors.js';
import { Runtime } from './runtime.js';
import { installSignals } from './signals.js';
import { systemdFromEnvironment } from './systemd/index.js';
import { VERSION } from '../version.js';
import { EXIT, foreignMessage, type CliContext } from '../cli/common.js';

export async function runMaster(context: CliContext, mode: { daemon: boolean }): Promise<number> {
  const { config, script } = context;
  const startedAt = Date.now();
  process.title = `workerman-ts: master ${script}`;

  let runtime: Runtime | null = null;
  let logFile: MasterLog;
  try {
    // Only ready workers are told to reopen: one still loading has no SIGHUP handler yet (it would die of
    // it), and opens the current file by name when it attaches, and again just before it reports ready.
    const readyPids = () =>
      (runtime?.workers ?? []).flatMap((w) => (w.state === 'ready' && w.pid ? [w.pid] : []));
    logFile = new MasterLog(config, mode.daemon, readyPids);
  } catch (err) {
    return failStart(context, mode, `cannot open the log file: ${(err as Error).message}`);
  }
  logFile.redirectStdio();
  const log = logFile.log;

  // Type=notify under systemd: READY/RELOADING/STOPPING/STATUS/WATCHDOG (docs/deployment.md).
  const systemd = systemdFromEnvironment(log);

  // Two `start -d` at once: the first to write the pid file wins; the second finds it here.
  const existing = await findMaster(config.pidFile);
  if (existing.state === 'running' || existing.state === 'unresponsive') {
    logFile.close();
    return failStart(context, mode, `already running, pid ${existing.pid}`);
  }
  if (existing.state === 'foreign') {
    logFile.close();
    return failStart(context, mode, foreignMessage(config.pidFile, existing.pid, existing.uid));
  }
  if (existing.state === 'stale') {
    log(`stale pid file ${config.pidFile} (${existing.reason}): replacing it`);
    removeStalePidFile(config.pidFile);
  }

  let stopRequest: { graceful: boolean } | null = null;
  const stop = (graceful: boolean) => {
    if (stopRequest) return;
    stopRequest = { graceful };
    void runtime?.stop({ graceful });
  };
  const reload = async (graceful: boolean, concurrency?: number): Promise<ReloadReply> => {
    if (!runtime) throw new Error('cannot reload: the workers are still starting');
    if (stopRequest) throw new Error('cannot reload: the master is stopping');
    const queued = runtime.reloadInProgress;
    if (queued) log('reload requested while a reload runs: it will run after it');
    systemd?.reloading();
    let outcome = '';
    try {
      const result = await runtime.reload({ graceful, concurrency });
      if (result.halted) outcome = `reload halted at ${result.halted.slot}: ${result.halted.reason}`;
      return { ...result, queued };
    } catch (err) {
      outcome = `reload failed: ${(err as Error).message}`;
      throw err;
    } finally {
      systemd?.reloaded(outcome);
    }
  };
  const info = (): MasterInfo => ({
    pid: process.pid,
    script,
    pidFile: config.pidFile,
    daemon: mode.daemon,
    version: VERSION,
    startedAt,
    workers: runtime?.pids ?? [],
    slots: runtime?.workers ?? [],
    stopTimeout: config.stopTimeout,
    readyTimeout: config.readyTimeout,
  });
  const controlled: ControlledMaster = {
    get runtime(): Runtime {
      if (!runtime) throw new Error('the workers are still starting');
      return runtime;
    },
    info,
    stop,
    reload,
  };

  const control = new ControlServer(controlCommands(controlled));
  try {
    await control.listen();
    writePidFile(config.pidFile);
  } catch (err) {
    await control.close();
    logFile.close();
    return failStart(context, mode, `cannot write the pid file or control socket: ${(err as Error).message}`);
  }
  const uninstallSignals = installSignals(
    {
      // Also a stop that Worker.stopAll() started inside a worker.
      isStopping: () => stopRequest !== null || runtime?.stopRequested === true,
      stop,
      kill: () => runtime?.kill(),
      reload: (graceful) => void reload(graceful).catch((err: Error) => log(err.message)),
      reopenLogs: () => logFile.reopen(),
      log,
    },
    { hangupStops: !mode.daemon && process.stdout.isTTY === true },
  );
  const cleanUp = async () => {
    uninstallSignals();
    await control.close();
    removePidFile(config.pidFile);
  };

  log(`master pid ${process.pid} starting ${context.scriptName} (${mode.daemon ? 'daemon' : 'foreground'})`);
  if (process.pid === 1) {
    // libuv waits only for the processes Node spawned itself: an orphan reparented to us stays a zombie.
    log(
      'running as PID 1: orphaned processes are not reaped (zombies of what your workers spawn); ' +
        'run under an init such as tini (docker run --init; see docs/deployment.md)',
    );
  }
  try {
    runtime = await Runtime.create(context.definitions, {
      script,
      logger: log,
      stopTimeout: config.stopTimeout,
      readyTimeout: config.readyTimeout,
    });
    systemd?.attach(runtime);
  } catch (err) {
    // Definitions the runtime refuses (no Worker, a bad count): same clean failure as a failed start.
    const message = `start failed: ${(err as Error).message}`;
    log(message);
    await cleanUp();
    logFile.close();
    await systemd?.failed(message.replace(/^start failed: /, ''));
    return failStart(context, mode, message.replace(/^start failed: /, ''));
  }
  const stopped = new Promise<void>((resolve) => runtime.once('stop', resolve));
  try {
    // A stop signal that arrived before this point stops the workers as they come up.
    if (stopRequest) void runtime.stop(stopRequest);
    await runtime.launch();
  } catch (err) {
    if (err instanceof RuntimeStartError && err.stoppedWhileStarting) {
      // Ctrl+C, a stop signal or Worker.stopAll() while the workers were starting: a clean stop, not a failed start.
      await stopped;
      await cleanUp();
      log(`master pid ${process.pid} stopped while starting`);
      logFile.close();
      if (mode.daemon) await reportFailed('stopped while starting');
      return EXIT.OK;
    }
    const message = `start failed: ${(err as Error).message}`;
    log(message);
    await cleanUp();
    logFile.close();
    await systemd?.failed(message.replace(/^start failed: /, ''));
    return failStart(context, mode, message.replace(/^start failed: /, ''));
  }
  // `pids` holds the warm spares too; they are no workers (and may still be loading the script).
  const spares = runtime.spares.length;
  const ready = runtime.pids.length - spares;
  log(
    `${ready} worker${ready === 1 ? '' : 's'} ready${spares > 0 ? `, ${spares} spare${spares === 1 ? '' : 's'}` : ''}`,
  );
  await systemd?.ready();
  if (mode.daemon) await reportReady(ready);
  else if (config.logFormat === 'json') log('start success');
  else process.stdout.write('Press Ctrl+C to stop. Start success.\n');
  // The control socket and timers are unref'd (a library must not hold its host): the master itself stays
  // up until it is stopped, also when every slot has failed and no worker runs (a reload brings them back).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await stopped;
  clearInterval(keepAlive);
  await cleanUp();
  log(`master pid ${process.pid} stopped`);
  logFile.close();
  return EXIT.OK;
}

async function failStart(context: CliContext, mode: { daemon: boolean }, reason: string): Promise<number> {
  if (mode.daemon) await reportFailed(reason);
  process.stderr.write(`workerman-ts[${context.scriptName}] start failed: ${reason}\n`);
  return EXIT.FAILED;
}
