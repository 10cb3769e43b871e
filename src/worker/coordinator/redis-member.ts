// One worker process as a member of a Redis group: it holds a lease (a sorted-set entry whose score is its
// expiry on Redis's clock), renews it every third of the TTL, reads the live members in the same script,
// and owns the keys that rendezvous hashing gives it among them. Loaded (with ioredis) only by workers that
// set a coordinator. The protocol and its guarantees are in docs/sharding.md.
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Redis } from 'ioredis';
import { ConfigError } from '../../shared/config-error.js';
import type { CoordinatorState, CoordinatorStatus } from '../../shared/keys-status.js';
import { digest32, ownerOf, type HrwMember } from '../hrw.js';
import type { Coordinator, KeyAssignment } from '../keys.js';
import { maskUrl } from '../stats.js';

/**
 * KEYS: members (zset), epoch (string), changes (channel). ARGV: member id, lease ms, epoch candidate.
 * Purges expired leases, renews ours, and returns { now, epoch, 1 if our lease was new, members+expiries }.
 * TIME makes every member use Redis's clock, never its own. The epoch tells a Redis that lost its data.
 */
const ROUND = `
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local epoch = redis.call('GET', KEYS[2])
if not epoch then
  epoch = ARGV[3]
  redis.call('SET', KEYS[2], epoch)
end
redis.call('PEXPIRE', KEYS[2], 86400000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local added = redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl * 2)
if added == 1 then redis.call('PUBLISH', KEYS[3], ARGV[1]) end
return { tostring(now), epoch, added, redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES') }
`;
/** KEYS: members, changes. ARGV: member id. */
const LEAVE = `
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 then redis.call('PUBLISH', KEYS[2], ARGV[1]) end
return 1
`;

type RoundReply = [string, string, number, string[]];
interface GroupCommands {
  wmRound(
    members: string,
    epoch: string,
    changes: string,
    id: string,
    ttl: number,
    e: string,
  ): Promise<RoundReply>;
  wmLeave(members: string, changes: string, id: string): Promise<number>;
}

/** The drop happens this fraction of the TTL before the lease could expire on Redis (timer lateness, clocks). */
const LEASE_MARGIN = 0.2;

export class RedisMember implements Coordinator {
  private client: (Redis & GroupCommands) | null = null;
  private subscriber: Redis | null = null;
  private readonly ttlMs: number;
  private readonly url: string;
  private readonly group: string;
  private readonly keys: { members: string; epoch: string; changes: string };
  private readonly self: HrwMember;
  private view: HrwMember[] = [];
  /** Members of the last view before an outage or a Redis restart, kept until carryUntil (monotonic ms). */
  private carried: HrwMember[] = [];
  private carryUntil = 0;
  private epoch: string | null = null;
  /** Monotonic ms after which our lease may have expired on Redis; 0 before the first renewal. */
  private leaseUntil = 0;
  private lastRoundFailed = false;
  private state: CoordinatorState = 'connecting';
  private since = Date.now();
  private lastError: string | null = null;
  /** The client's last connection error (ECONNREFUSED ...): a better reason than "stream not writeable". */
  private connectionError: string | null = null;
  private inFlight = false;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private leaseTimer: NodeJS.Timeout | null = null;
  private viewSignature = '';
  private keysSeen: readonly string[] | null = null;
  private readonly digests = new Map<string, number>();
  private readonly parsed = new Map<string, HrwMember | null>();

  constructor(
    private readonly assignment: KeyAssignment,
    url: string,
    private readonly log: (line: string) => void,
  ) {
    const worker = assignment.worker;
    this.url = url;
    this.ttlMs = Math.round(worker.leaseTtl * 1000);
    this.group = worker.coordinatorGroup || worker.name;
    const prefix = `workerman-ts:${this.group}`;
    this.keys = { members: `${prefix}:members`, epoch: `${prefix}:epoch`, changes: `${prefix}:changes` };
    const host = process.env.HOSTNAME || hostname();
    // The seed names the slot (host, master, worker): a replacement of a crashed or reloaded process has
    // the same weights, so it takes over exactly that process's keys and nothing else moves.
    const seed = `${host}/${process.ppid}/${worker.name}#${worker.id}`;
    const startedAt = Math.round(performance.timeOrigin);
    const id = JSON.stringify([
      seed,
      startedAt,
      `${host}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`,
    ]);
    this.self = { id, digest: digest32(seed), startedAt };
    assignment.self = this.self;
  }

  private get renewMs(): number {
    return Math.max(50, Math.round(this.ttlMs / 3));
  }

  async start(): Promise<void> {
    let IORedis: typeof import('ioredis').Redis;
    try {
      ({ Redis: IORedis } = await import('ioredis'));
    } catch (err) {
      throw new ConfigError(
        `coordinator ${maskUrl(this.url)} needs the ioredis package (npm install ioredis): ${(err as Error).message}`,
      );
    }
    const options = {
      lazyConnect: true,
      enableOfflineQueue: false, // a round fails at once while disconnected, instead of queueing
      maxRetriesPerRequest: 0,
      connectTimeout: this.ttlMs,
      commandTimeout: this.renewMs,
      retryStrategy: (times: number) => Math.min(100 * times, this.renewMs),
    };
    const client = new IORedis(this.url, options) as Redis & GroupCommands;
    client.defineCommand('wmRound', { numberOfKeys: 3, lua: ROUND });
    client.defineCommand('wmLeave', { numberOfKeys: 2, lua: LEAVE });
    client.on('error', (err: Error) => (this.connectionError = err.message)); // reported by the rounds
    client.on('ready', () => (this.connectionError = null));
    client.on('ready', () => this.nudge());
    this.client = client;
    // Joins and leaves are published: the others run a round at once instead of at their next renewal.
    const subscriber = new IORedis(this.url, { ...options, lazyConnect: false, commandTimeout: undefined });
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, who: string) => who !== this.self.id && this.nudge());
    subscriber.on('ready', () => void subscriber.subscribe(this.keys.changes).catch(() => {}));
    this.subscriber = subscriber;
    await client.connect().catch(() => {}); // unreachable: the first round says so, ioredis keeps retrying
    await this.round();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    const client = this.client;
    if (client && client.status === 'ready') {
      const left = client.wmLeave(this.keys.members, this.keys.changes, this.self.id).catch(() => 0);
      await Promise.race([left, new Promise((r) => setTimeout(r, this.renewMs).unref())]);
    }
    this.setState('left');
    client?.disconnect();
    this.subscriber?.disconnect();
  }

  refresh(): void {
    this.assign(true);
  }

  members(): readonly HrwMember[] {
    return this.view;
  }

  status(): CoordinatorStatus {
    return {
      url: maskUrl(this.url),
      group: this.group,
      state: this.state,
      since: this.since,
      members: this.view.length,
      leaseTtl: this.ttlMs / 1000,
      lastError: this.lastError,
    };
  }

  /** A change was published, or Redis is back: a round soon (coalesced). */
  private nudge(): void {
    if (this.stopped || this.client === null) return;
    if (this.inFlight) this.again = true;
    else this.schedule(10);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.round(), ms);
  }

  /** Renew the lease and read the members; then assign the keys. */
  private async round(): Promise<void> {
    if (this.stopped || !this.client) return;
    if (this.inFlight) return void (this.again = true);
    this.checkLease();
    this.inFlight = true;
    if (this.timer) clearTimeout(this.timer);
    const sentAt = performance.now();
    let next = this.renewMs;
    try {
      const candidate = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      const ttl = this.ttlMs;
      const reply = await this.client.wmRound(
        this.keys.members,
        this.keys.epoch,
        this.keys.changes,
        this.self.id,
        ttl,
        candidate,
      );
      if (!this.stopped) next = this.onRound(reply, sentAt);
    } catch (err) {
      if (!this.stopped) this.onFailure(err as Error);
    } finally {
      this.inFlight = false;
      if (this.again) {
        this.again = false;
        next = 10;
      }
      this.schedule(next);
    }
  }

  /** A successful round; returns the delay to the next one. */
  private onRound([nowText, epoch, , flat]: RoundReply, sentAt: number): number {
    const redisNow = Number(nowText);
    const local = performance.now();
    const live: HrwMember[] = [];
    let soonest = Infinity;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const member = this.member(flat[i]!);
      if (!member) continue;
      live.push(member);
      if (member.id !== this.self.id) soonest = Math.min(soonest, Number(flat[i + 1]) - redisNow);
    }
    // Back after our lease lapsed (an outage), or Redis lost its data (restarted without persistence): the
    // members we knew may not have renewed yet. Count them as live for one more TTL, so that the first
    // member back does not take every key only to hand them back a moment later.
    const lapsed = this.leaseUntil > 0 && sentAt > this.leaseUntil;
    const restarted = this.epoch !== null && epoch !== this.epoch;
    if ((lapsed || restarted) && this.view.length > 0) {
      this.carried = this.view.filter((m) => m.id !== this.self.id);
      this.carryUntil = local + this.ttlMs;
    }
    this.epoch = epoch;
    this.leaseUntil = sentAt + this.ttlMs * (1 - LEASE_MARGIN);
    this.armLeaseTimer();
    this.lastRoundFailed = false;
    this.lastError = null;
    let view = live;
    if (this.carried.length > 0) {
      if (local >= this.carryUntil) this.carried = [];
      else {
        const ids = new Set(live.map((m) => m.id));
        view = live.concat(this.carried.filter((m) => !ids.has(m.id)));
        soonest = Math.min(soonest, this.carryUntil - local);
      }
    }
    if (this.state !== 'ok') {
      const was = this.state;
      this.setState('ok');
      if (was === 'unreachable' || was === 'lease-lost')
        this.log(
          `coordinator ${maskUrl(this.url)} reachable again: ${live.length} live members in group ${this.group}`,
        );
    }
    this.setView(view);
    // Wake right after the next lease of another member could expire: failover in one TTL, not TTL + a period.
    return Math.max(20, Math.min(this.renewMs, Math.ceil(soonest) + 20));
  }

  private onFailure(err: Error): void {
    this.lastRoundFailed = true;
    this.lastError =
      this.client?.status !== 'ready' && this.connectionError ? this.connectionError : err.message;
    if (this.state === 'unreachable') return;
    const keep = this.assignment.worker.whenCoordinatorDown !== 'release';
    const owned = this.assignment.ownedKeys().size;
    this.setState('unreachable');
    this.log(
      `coordinator ${maskUrl(this.url)} unreachable (${this.lastError}): ` +
        (keep ? `keeping ${owned} keys until it is back` : `releasing ${owned} keys when the lease ends`),
    );
  }

  /** Past the lease deadline: drop every key unless Redis is down and we keep them (whenCoordinatorDown). */
  private checkLease(): void {
    if (this.leaseUntil === 0 || performance.now() < this.leaseUntil) return;
    if (this.assignment.ownedKeys().size === 0) return;
    if (this.lastRoundFailed || this.inFlight) {
      if (this.assignment.worker.whenCoordinatorDown !== 'release') return;
      this.log(
        `lease ended while ${maskUrl(this.url)} is unreachable: released ${this.assignment.ownedKeys().size} keys`,
      );
      this.dropAll();
      return;
    }
    // The last round succeeded but none ran since: this process did not run (blocked event loop, SIGSTOP).
    // Another member may own our keys already; drop them now, the next round gives back what is ours.
    this.setState('lease-lost');
    this.log(
      `lease lost (no renewal for ${Math.round(performance.now() - this.leaseUntil + this.ttlMs * (1 - LEASE_MARGIN))} ms): dropping ${this.assignment.ownedKeys().size} keys`,
    );
    this.dropAll();
  }

  /** Own nothing until the next successful round (which assigns afresh). */
  private dropAll(): void {
    this.view = [];
    this.viewSignature = '';
    this.assignment.apply([]);
  }

  private armLeaseTimer(): void {
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    this.leaseTimer = setTimeout(
      () => this.checkLease(),
      Math.max(0, this.leaseUntil - performance.now()) + 1,
    );
  }

  private setState(state: CoordinatorState): void {
    if (state === this.state) return;
    this.state = state;
    this.since = Date.now();
  }

  private setView(view: HrwMember[]): void {
    const signature = view
      .map((m) => m.id)
      .sort()
      .join('\n');
    const keysChanged = this.keysSeen !== this.assignment.worker.keys;
    this.view = view;
    if (signature === this.viewSignature && !keysChanged) return;
    this.viewSignature = signature;
    this.assign(keysChanged);
  }

  /** Give this process the keys it wins among the current view. */
  private assign(keysChanged: boolean): void {
    const keys = this.assignment.worker.keys;
    if (keysChanged) this.keysSeen = keys;
    if (this.view.length === 0) return; // no round yet (or the lease just ended): nothing is ours
    const mine: string[] = [];
    for (const key of keys) {
      let d = this.digests.get(key);
      if (d === undefined) this.digests.set(key, (d = digest32(key)));
      if (this.view[ownerOf(d, this.view)] === this.self) mine.push(key);
    }
    this.assignment.apply(mine);
  }

  /** A member id from Redis ([seed, startedAt, unique]); null if it is not one of ours. */
  private member(id: string): HrwMember | null {
    if (id === this.self.id) return this.self;
    let m = this.parsed.get(id);
    if (m !== undefined) return m;
    m = null;
    try {
      const [seed, startedAt] = JSON.parse(id) as [unknown, unknown];
      if (typeof seed === 'string' && typeof startedAt === 'number')
        m = { id, digest: digest32(seed), startedAt };
    } catch {
      // not a member id we wrote: ignore it
    }
    if (this.parsed.size > 10_000) this.parsed.clear();
    this.parsed.set(id, m);
    return m;
  }
}
