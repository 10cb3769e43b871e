// One log line, as every process of the runtime writes it: the master's own lines and a worker's lines
// about itself (errors from its callbacks), in the text or the JSON format (`Worker.logFormat`).
//   text: 2026-12-03T08:43:22.123Z master pid:123 worker feed#1 started, pid 456
//         2026-12-03T08:43:22.123Z worker feed#1 pid:456 onWorkerStart failed: ...
//   json: {"time":"2026-12-03T08:43:22.123Z","level":"info","kind":"master","pid":123,"msg":"..."}
//         {"time":"...","level":"error","kind":"worker","worker":"feed","id":1,"pid":456,"msg":"..."}

export type LogFormat = 'text' | 'json';
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Overrides `Worker.logFormat` (`text` or `json`) for the master and every worker. */
export const ENV_LOG_FORMAT = 'WORKERMAN_LOG_FORMAT';

/** Which process a line comes from. */
export type LogSource =
  { kind: 'master'; pid: number } | { kind: 'worker'; name: string; id: number; pid: number };

export function isLogFormat(value: unknown): value is LogFormat {
  return value === 'text' || value === 'json';
}

/**
 * The format in force: $WORKERMAN_LOG_FORMAT when set (an operator's choice beats the script's), else
 * `configured` (Worker.logFormat). A value that is neither `text` nor `json` is a TypeError naming its source.
 */
export function resolveLogFormat(configured: unknown, env: NodeJS.ProcessEnv = process.env): LogFormat {
  const fromEnv = env[ENV_LOG_FORMAT];
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!isLogFormat(fromEnv)) {
      throw new TypeError(`${ENV_LOG_FORMAT} must be "text" or "json", got ${JSON.stringify(fromEnv)}`);
    }
    return fromEnv;
  }
  if (!isLogFormat(configured)) {
    throw new TypeError(
      `Worker.logFormat must be 'text' or 'json', got ${typeof configured === 'string' ? JSON.stringify(configured) : String(configured)}`,
    );
  }
  return configured;
}

/** One line (no newline at the end); a JSON line keeps a multi-line message in one `msg`. */
export function formatLogLine(
  format: LogFormat,
  source: LogSource,
  message: string,
  level: LogLevel = 'info',
  date = new Date(),
): string {
  const time = date.toISOString();
  if (format === 'json') {
    const who =
      source.kind === 'worker'
        ? `"kind":"worker","worker":${JSON.stringify(source.name)},"id":${source.id},"pid":${source.pid}`
        : `"kind":"master","pid":${source.pid}`;
    return `{"time":"${time}","level":"${level}",${who},"msg":${JSON.stringify(message)}}`;
  }
  const who =
    source.kind === 'worker'
      ? `worker ${source.name}#${source.id} pid:${source.pid}`
      : `master pid:${source.pid}`;
  return `${time} ${who} ${message}`;
}
