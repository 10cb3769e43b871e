// `start`: become the master in the foreground, print the banner, run until a stop signal.
import { formatLogLine } from '../log.js';
import { pidFilePath, removePidFile, writePidFile } from './master-pid.js';
import { Runtime } from '../runtime.js';
import { VERSION } from '../../version.js';
import { EXIT, type CliContext } from './index.js';

export async function runStart(context: CliContext): Promise<number> {
  const { scriptName } = context;
  const print = (message: string) => process.stdout.write(`${formatLogLine(message)}\n`);
  process.title = `workerman-ts: master ${context.script}`;
  process.stdout.write(`workerman-ts[${scriptName}] start in FOREGROUND mode\n`);
  process.stdout.write(banner(context));

  let runtime: Runtime;
  try {
    runtime = await Runtime.startWithDefinitions(context.definitions, { script: context.script, logger: print });
  } catch (err) {
    process.stderr.write(`workerman-ts[${scriptName}] start failed: ${(err as Error).message}\n`);
    return EXIT.FAILED;
  }
  // TO MERGE: the master engineer's pid-file handling replaces these two lines.
  const pidFile = pidFilePath(context.script);
  writePidFile(pidFile);
  process.stdout.write('Press Ctrl+C to stop. Start success.\n');
  return waitForStopSignal(runtime).finally(() => removePidFile(pidFile));
}

/** SIGINT/SIGTERM stop; a second one escalates to SIGKILL. Resolves when everything has exited. */
function waitForStopSignal(runtime: Runtime): Promise<number> {
  return new Promise((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        process.stdout.write(`${formatLogLine(`${signal} again: killing every worker now`)}\n`);
        runtime.kill();
        return;
      }
      process.stdout.write(`${formatLogLine(`${signal} received, stopping`)}\n`);
      void runtime.stop().then(() => resolve(EXIT.OK));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    runtime.once('stop', () => resolve(EXIT.OK));
  });
}

function banner(context: CliContext): string {
  const rows = context.definitions.map((w) => `${w.name.padEnd(24)}${String(w.count).padEnd(8)}`);
  const line = '-'.repeat(48);
  return [
    line,
    `workerman-ts/${VERSION}   Node/${process.version}   ${process.platform}`,
    line,
    `${'worker'.padEnd(24)}${'count'.padEnd(8)}`,
    ...rows,
    line,
    '',
  ].join('\n');
}
