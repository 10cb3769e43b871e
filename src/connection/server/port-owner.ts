// Who holds a TCP port: /proc/net/tcp{,6} gives the listening socket's inode, /proc/<pid>/fd links name
// the process. Linux only, and only processes we may look into (ours, or all as root); null otherwise.
// Used on the error path of a listen that found its port taken, never on a hot path.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** `pid (command line)` of the process listening on `port`, or null when it cannot be found out. */
export function portOwner(port: number): string | null {
  if (process.platform !== 'linux' || !(port > 0)) return null;
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // f[1] = local "ADDR:PORT" (hex), f[3] = state (0A = LISTEN), f[9] = inode
      if (f.length < 10 || f[3] !== '0A') continue;
      if (parseInt(f[1]!.split(':')[1] ?? '', 16) === port) inodes.add(f[9]!);
    }
  }
  if (inodes.size === 0) return null;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) return `pid ${pid} (${commandOf(pid)})`;
    }
  }
  return null;
}

function commandOf(pid: string): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return cmd.length > 120 ? cmd.slice(0, 117) + '...' : cmd || '?';
  } catch {
    return '?';
  }
}
