// Reading the process's open-file limit, to scale connection counts down (with a printed note) when it is low.
import { execSync } from 'node:child_process';

/** `ulimit -n` as this process (and its children) see it; Infinity for "unlimited". */
export function fileLimit(): number {
  const out = execSync('ulimit -n', { shell: '/bin/sh', encoding: 'utf8' }).trim();
  return out === 'unlimited' ? Infinity : Number(out);
}

/** `wanted` connections, or fewer if each process cannot hold that many sockets plus a margin. */
export function connectionBudget(wanted: number): { n: number; note: string | null } {
  const limit = fileLimit();
  const n = Math.min(wanted, Math.floor((limit - 200) / 1.05));
  return n >= wanted
    ? { n: wanted, note: null }
    : { n, note: `ulimit -n is ${limit}: scaled down to ${n} connections` };
}
