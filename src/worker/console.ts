// Worker.logFormat = 'json' in a worker process: what user code prints with console.* becomes one JSON
// object per call (level from the method), so a log shipper reading the output gets only JSON lines. In the
// text format console output is left exactly as the user prints it (as Workerman leaves `echo`).
import { format } from 'node:util';
import { formatLogLine, type LogLevel, type LogSource } from '../shared/log-format.js';

const METHODS: [name: 'log' | 'info' | 'debug' | 'warn' | 'error', level: LogLevel, stderr: boolean][] = [
  ['log', 'info', false],
  ['info', 'info', false],
  ['debug', 'debug', false],
  ['warn', 'warn', true],
  ['error', 'error', true],
];

/** Replace console.log/info/debug (stdout) and console.warn/error (stderr) with JSON writers. */
export function installJsonConsole(source: LogSource): void {
  for (const [name, level, toStderr] of METHODS) {
    console[name] = (...args: unknown[]) => {
      const line = `${formatLogLine('json', source, format(...args), level)}\n`;
      (toStderr ? process.stderr : process.stdout).write(line);
    };
  }
}
