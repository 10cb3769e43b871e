// The ownership record of the coordinator tests and the failover benchmark: each worker of the app appends
// `<epoch ms> <json {added, removed}>` lines to owners/<master pid>-<pid>-<id>.log from onKeysAssigned; this
// file reads them back into intervals and answers "who owns what now" and "for how long did two own a key".
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The app: count 2, KEYS keys, coordinator and lease from the environment, the record described above. */
export function coordinatedApp(keys: number): string {
  return `import { Worker } from 'workerman-ts';
import { appendFileSync, mkdirSync } from 'node:fs';
Worker.pidFile = process.env.PID_FILE;
Worker.logFile = process.env.LOG_FILE;
Worker.coordinator = process.env.REDIS_URL;
const dir = new URL('owners/', import.meta.url).pathname;
mkdirSync(dir, { recursive: true });
const keys = Array.from({ length: ${keys} }, (_, i) => 'room-' + i);
const bots = new Worker({ name: 'bots', count: 2, keys, leaseTtl: Number(process.env.LEASE_TTL) });
bots.whenCoordinatorDown = process.env.WHEN_DOWN ?? 'keep';
bots.onKeysAssigned = (worker, added, removed) => {
  appendFileSync(dir + process.ppid + '-' + process.pid + '-' + worker.id + '.log', Date.now() + ' ' + JSON.stringify({ added, removed }) + '\\n');
};
Worker.runAll();
`;
}

export interface Interval {
  worker: string;
  from: number;
  /** Infinity while owned. */
  to: number;
}

export interface Ownership {
  /** Per key, every interval some worker owned it. */
  intervals: Map<string, Interval[]>;
  /** Per worker (`<master pid>-<pid>-<id>`), the keys it owns at the end of its record. */
  owned: Map<string, Set<string>>;
  /** Every change: time, worker, +added -removed. */
  events: { at: number; worker: string; added: number; removed: number }[];
}

/** Read owners/*.log; a worker in `deadAt` (by its master's pid or its own) stops owning then (SIGKILLed). */
export function readOwnership(dir: string, deadAt: Map<number, number> = new Map()): Ownership {
  const intervals = new Map<string, Interval[]>();
  const owned = new Map<string, Set<string>>();
  const events: Ownership['events'] = [];
  let files: string[] = [];
  try {
    files = readdirSync(join(dir, 'owners'));
  } catch {
    // nothing recorded yet
  }
  for (const file of files) {
    const worker = file.replace(/\.log$/, '');
    const [master, pid] = worker.split('-').map(Number) as [number, number];
    const end = deadAt.get(master) ?? deadAt.get(pid) ?? Infinity;
    const open = new Map<string, Interval>();
    for (const line of readFileSync(join(dir, 'owners', file), 'utf8').split('\n')) {
      if (!line) continue;
      const space = line.indexOf(' ');
      const at = Number(line.slice(0, space));
      const { added, removed } = JSON.parse(line.slice(space + 1)) as { added: string[]; removed: string[] };
      events.push({ at, worker, added: added.length, removed: removed.length });
      for (const key of removed) {
        const interval = open.get(key);
        if (interval) interval.to = at;
        open.delete(key);
      }
      for (const key of added) {
        const interval = { worker, from: at, to: Infinity };
        open.set(key, interval);
        let list = intervals.get(key);
        if (!list) intervals.set(key, (list = []));
        list.push(interval);
      }
    }
    for (const interval of open.values()) interval.to = Math.min(interval.to, end);
    owned.set(worker, end === Infinity ? new Set(open.keys()) : new Set());
  }
  events.sort((a, b) => a.at - b.at);
  return { intervals, owned, events };
}

/** Keys owned by no live worker, and keys owned by more than one. */
export function ownershipProblems(o: Ownership, keys: number): { unowned: string[]; doubled: string[] } {
  const count = new Map<string, number>();
  for (const set of o.owned.values()) for (const key of set) count.set(key, (count.get(key) ?? 0) + 1);
  const unowned: string[] = [];
  const doubled: string[] = [];
  for (let i = 0; i < keys; i++) {
    const n = count.get(`room-${i}`) ?? 0;
    if (n === 0) unowned.push(`room-${i}`);
    if (n > 1) doubled.push(`room-${i}`);
  }
  return { unowned, doubled };
}

/** The longest time (ms) any key was owned by two workers at once, and which key. */
export function longestOverlap(o: Ownership, now: number): { ms: number; key: string | null } {
  let worst = { ms: 0, key: null as string | null };
  for (const [key, list] of o.intervals) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        const a = list[i]!;
        const b = list[j]!;
        if (a.worker === b.worker) continue;
        const ms = Math.min(a.to, b.to, now) - Math.max(a.from, b.from);
        if (ms > worst.ms) worst = { ms, key };
      }
    }
  }
  return worst;
}

/** Per key, the slot id (`worker.id`) of its live owner (keys with no or several owners are left out). */
export function slotOfKeys(o: Ownership): Map<string, number> {
  const slots = new Map<string, number>();
  const seen = new Set<string>();
  for (const [worker, set] of o.owned) {
    const id = Number(worker.split('-')[2]);
    for (const key of set) {
      if (seen.has(key)) slots.delete(key);
      else slots.set(key, id);
      seen.add(key);
    }
  }
  return slots;
}
