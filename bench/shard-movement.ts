// Key movement when a deployment grows: the fraction of keys whose shard changes from N to N+1 shards
// with our rendezvous hashing (src/worker/hrw.ts), against the ideal 1/(N+1) and against the baseline a
// user writes by hand, `hash(key) % N` (the same SHA-256 digest), measured in the same run. Also how even
// the shares are (largest shard / mean) and what one ownsKey() costs. Pure computation, one process.
//   node dist/bench/shard-movement.js [keys=100000]
import { performance } from 'node:perf_hooks';
import { digest32, ownerOf, shardOf, type HrwMember } from '../src/worker/hrw.js';

const KEYS = Number(process.argv[2] ?? 100_000);
const keys = Array.from({ length: KEYS }, (_, i) => `sym-${i}`);
const digests = keys.map(digest32);

function assign(total: number): Int32Array {
  const out = new Int32Array(KEYS);
  for (let i = 0; i < KEYS; i++) out[i] = shardOf(keys[i]!, total);
  return out;
}
const modulo = (total: number) => Int32Array.from(digests, (d) => d % total);

function moved(a: Int32Array, b: Int32Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n / a.length;
}

function imbalance(a: Int32Array, total: number): number {
  const counts = new Array<number>(total).fill(0);
  for (const s of a) counts[s]!++;
  return Math.max(...counts) / (a.length / total);
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
console.log(`key movement, ${KEYS.toLocaleString('en')} keys (sym-0..): from N to N+1 shards`);
console.log('N -> N+1   ideal 1/(N+1)   rendezvous (ours)   ours/ideal   largest/mean   hash % N (baseline)');
const steps: [number, number][] = [
  ...Array.from({ length: 11 }, (_, i): [number, number] => [i + 1, i + 2]),
  [15, 16],
  [31, 32],
  [63, 64],
];
let worst = 0;
for (const [from, to] of steps) {
  const ours = moved(assign(from), assign(to));
  const ideal = (to - from) / to;
  worst = Math.max(worst, ours / ideal);
  const base = moved(modulo(from), modulo(to));
  console.log(
    `${`${from} -> ${to}`.padEnd(10)} ${pct(ideal).padStart(13)}   ${pct(ours).padStart(17)}   ${(ours / ideal).toFixed(3).padStart(10)}   ${imbalance(assign(to), to).toFixed(3).padStart(12)}   ${pct(base).padStart(19)}`,
  );
}
// A deployment of 3 hosts x count 2 grows to 4 hosts: 6 -> 8 shards, ideal 2/8.
const hosts = moved(assign(6), assign(8));
console.log(
  `3 -> 4 hosts x count 2 (6 -> 8 shards): moved ${pct(hosts)}, ideal 25.00%, ratio ${(hosts / 0.25).toFixed(3)}`,
);

// Dynamic members (the coordinator): one of 6 live members leaves; only its keys may move.
const members: HrwMember[] = Array.from({ length: 6 }, (_, i) => ({
  id: `m${i}`,
  digest: digest32(`vm-${i >> 1}/4242/bots#${i & 1}`),
  startedAt: 0,
}));
const before = Int32Array.from(digests, (d) => ownerOf(d, members));
const left = members.slice(0, 5);
let wrong = 0;
let gone = 0;
for (let i = 0; i < KEYS; i++) {
  const owner = left[ownerOf(digests[i]!, left)]!.id;
  if (before[i] === 5) gone++;
  else if (owner !== members[before[i]!]!.id) wrong++;
}
console.log(
  `coordinator, 6 -> 5 members: ${pct(gone / KEYS)} of keys had the leaver as owner (ideal 16.67%); keys of the others that moved: ${wrong}`,
);

// Cost of ownsKey() (one SHA-256 + N weights) at 6 and 64 shards.
for (const total of [6, 64]) {
  const t0 = performance.now();
  let sink = 0;
  for (let i = 0; i < KEYS; i++) sink += shardOf(keys[i]!, total);
  const us = ((performance.now() - t0) * 1000) / KEYS;
  console.log(`ownsKey at ${total} shards: ${us.toFixed(2)} us per call (${sink > 0 ? 'ok' : ''})`);
}
console.log(`worst ours/ideal over the steps: ${worst.toFixed(3)}`);
