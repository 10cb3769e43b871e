// Rendezvous (highest random weight) hashing: which member owns a key. Used both for static shards
// (members are shard indexes) and for the Redis coordinator (members are live worker processes), so a key
// lands the same way in both and only the keys of a member that comes or goes move.
//
// The digests must be the same in every process, on every host and Node version: SHA-256 of the UTF-8
// bytes (node:crypto, i.e. OpenSSL; allowed in FIPS mode, unlike MD5), first 32 bits big-endian. A member's
// weight for a key is MurmurHash3's 32-bit finalizer of (key digest XOR member digest): one SHA-256 per key
// and per member, then a few integer operations per (key, member) pair instead of a hash per pair.
import { createRequire } from 'node:module';

const requireBuiltin = createRequire(import.meta.url);
let crypto: typeof import('node:crypto') | null = null;

/** 32 bits of SHA-256 of `text` (UTF-8). node:crypto is loaded on first use, not with the package. */
export function digest32(text: string): number {
  crypto ??= requireBuiltin('node:crypto') as typeof import('node:crypto');
  return crypto.createHash('sha256').update(text, 'utf8').digest().readUInt32BE(0);
}

/** MurmurHash3 fmix32: a bijection on 32 bits with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The weight of a member (by its digest) for a key (by its digest). */
export function weight(keyDigest: number, memberDigest: number): number {
  return fmix32((keyDigest ^ memberDigest) >>> 0);
}

/** Digests of static shard members 0..total-1 (`shard:<i>`), cached per total. */
const shardDigests = new Map<number, Uint32Array>();

export function shardMemberDigests(total: number): Uint32Array {
  let digests = shardDigests.get(total);
  if (!digests) {
    digests = new Uint32Array(total);
    for (let i = 0; i < total; i++) digests[i] = digest32(`shard:${i}`);
    shardDigests.set(total, digests);
  }
  return digests;
}

/** The shard (0..total-1) that owns `key` among `total` static shards. */
export function shardOf(key: string, total: number): number {
  if (total <= 1) return 0;
  const digests = shardMemberDigests(total);
  const k = digest32(key);
  let best = 0;
  let bestWeight = -1;
  for (let i = 0; i < total; i++) {
    const w = weight(k, digests[i]!);
    if (w > bestWeight) {
      best = i; // ties (1 in 2^32): the lower index
      bestWeight = w;
    }
  }
  return best;
}

/** A live member as the coordinator sees it. */
export interface HrwMember {
  /** Unique per process. */
  id: string;
  /** Digest of the member's seed: a stable name for its slot, so a replacement inherits the same keys. */
  digest: number;
  /** When the process started (ms): among members of equal weight (same seed), the newest wins. */
  startedAt: number;
}

/** The index in `members` of the owner of the key with digest `keyDigest`; -1 if there are none. */
export function ownerOf(keyDigest: number, members: readonly HrwMember[]): number {
  let best = -1;
  let bestWeight = -1;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    const w = weight(keyDigest, m.digest);
    if (w > bestWeight || (w === bestWeight && best >= 0 && newer(m, members[best]!))) {
      best = i;
      bestWeight = w;
    }
  }
  return best;
}

/** Total order among members of equal weight: the later start, then the larger id. */
function newer(a: HrwMember, b: HrwMember): boolean {
  return a.startedAt !== b.startedAt ? a.startedAt > b.startedAt : a.id > b.id;
}
