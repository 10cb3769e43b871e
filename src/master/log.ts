// The runtime's own log lines: "2026-11-25 04:23:08 pid:123 message", Workerman's format.

export type LogSink = (line: string) => void;

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function timestamp(date = new Date()): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** Format one log line with timestamp and pid. */
export function formatLogLine(message: string, pid = process.pid): string {
  return `${timestamp()} pid:${pid} ${message}`;
}
