// The master process the CLI runs (foreground or daemon): pid file, log file, control socket and signals
// around a Runtime. Resolves with the exit code once every worker has exited and the pid file is gone.
import { ControlServer } from './control/server.js';
import { controlCommands, type ControlledMaster } from './control/commands.js';
import { reportFailed, reportReady } from './daemon-report.js';
import { formatLogLine, LogFile } from './log.js';
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
import { VERSION } from '../version.js';
import { EXIT, type CliContext } from '../cli/common.js';

export async function runMaster(context: CliContext, mode: { daemon: boolean }): Promise<number> {
  const { config, script } = context;
  const startedAt = Date.now();
  process.title = `workerman-ts: master ${script}`;

  const logFile = new LogFile(config.logFile);
  try {
    logFile.open();
  } catch (err) {
    return failStart(context, mode, `cannot open the log file: ${(err as Error).message}`);
  }
  const log = (message: string) => {
    const line = formatLogLine(message);
    logFile.write(line);
    if (!mode.daemon) process.stdout.write(`${line}\n`);
  };

  // Two `start -d` at once: the first to write the pid file wins; the second finds it here.
  const existing = await findMaster(config.pidFile);
  if (existing.state === 'running' || existing.state === 'unresponsive') {
    logFile.close();
    return failStart(context, mode, `already running, pid ${existing.pid}`);
  }
  if (existing.state === 'stale') {
    log(`stale pid file ${config.pidFile} (${existing.reason}): replacing it`);
    removeStalePidFile(config.pidFile);
  }

  let runtime: Runtime | null = null;
  let stopRequest: { graceful: boolean } | null = null;
  const stop = (graceful: boolean) => {
    if (stopRequest) return;
    stopRequest = { graceful };
    void runtime?.stop({ graceful });
  };
  // SIGUSR1/SIGUSR2; the control socket's reload goes to the Runtime directly (control/commands.ts).
  const reload = (graceful: boolean) => {
    if (!runtime) return log('cannot reload: the workers are still starting');
    runtime.reload({ graceful }).catch((err: Error) => log(err.message));
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
      reload,
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
  try {
    runtime = await Runtime.create(context.definitions, {
      script,
      logger: log,
      stopTimeout: config.stopTimeout,
      readyTimeout: config.readyTimeout,
    });
  } catch (err) {
    // Definitions the runtime refuses (no Worker, a bad count): same clean failure as a failed start.
    const message = `start failed: ${(err as Error).message}`;
    log(message);
    await cleanUp();
    logFile.close();
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
    return failStart(context, mode, message.replace(/^start failed: /, ''));
  }
  const ready = runtime.pids.length;
  log(`${ready} worker${ready === 1 ? '' : 's'} ready`);
  if (mode.daemon) await reportReady(ready);
  else process.stdout.write('Press Ctrl+C to stop. Start success.\n');
  await stopped;
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
