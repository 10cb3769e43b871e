// CPU time and RSS of other processes, read from /proc (Linux): what the server benchmarks sum over a
// cluster's processes.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (getconf CLK_TCK: 100 on Linux x86 and arm64). */
const TICKS = 100;

/** CPU seconds (user + system) `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Resident set size of `pid` in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
}

export const sum = (pids: readonly number[], f: (pid: number) => number): number =>
  pids.reduce((total, pid) => total + f(pid), 0);
