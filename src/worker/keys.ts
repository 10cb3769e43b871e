// The work keys this worker process owns, and telling the app about changes (onKeysAssigned). Static mode:
// the keys whose shard (hrw.ts over WORKER_SHARD x count) is this process's, decided once. Redis mode: the
// coordinator (coordinator/redis-member.ts, loaded only then) decides over the live members and calls apply().
import type { KeysStatus } from '../shared/keys-status.js';
import { digest32, ownerOf, shardOf, type HrwMember } from './hrw.js';
import { hostShard, processShard, type ShardInfo } from './shard.js';
import type { Worker } from './Worker.js';

/** What the Redis member offers the assignment (see coordinator/redis-member.ts). */
export interface Coordinator {
  /** Join the group; resolves after the first round, whether Redis answered or not. */
  start(): Promise<void>;
  /** Leave the group (delete the lease) and stop renewing. */
  stop(): Promise<void>;
  /** The keys changed: assign them now. */
  refresh(): void;
  /** The live members of the last successful round (empty before one). */
  members(): readonly HrwMember[];
  status(): NonNullable<KeysStatus['coordinator']>;
}

let active: KeyAssignment | null = null;

/** The assignment of this process, if its Worker uses keys (for stats and Worker#ownsKey). */
export function activeAssignment(): KeyAssignment | null {
  return active;
}

/** Make `assignment` this process's (one per worker process), then start it. */
export function startAssignment(assignment: KeyAssignment): Promise<void> {
  active = assignment;
  return assignment.start();
}

export class KeyAssignment {
  private owned = new Set<string>();
  /** onKeysAssigned calls, one after the other: a slow (async) callback is never overtaken. */
  private delivery: Promise<void> = Promise.resolve();
  private coordinator: Coordinator | null = null;
  readonly shard: ShardInfo;
  /** Filled in by the coordinator: this process's member id and its seed digest. */
  self: HrwMember | null = null;

  constructor(
    readonly worker: Worker,
    private readonly log: (line: string) => void,
  ) {
    this.shard = processShard(hostShard(), worker.count, worker.id);
  }

  get mode(): 'static' | 'redis' {
    return this.coordinator ? 'redis' : 'static';
  }

  /** Start: static keys at once, or join the Redis group (loads ioredis). */
  async start(): Promise<void> {
    const url = this.worker.coordinator || (this.worker.constructor as typeof Worker).coordinator;
    if (!url) {
      this.apply(this.worker.keys.filter((key) => this.ownsKey(key)));
      await this.delivery;
      return;
    }
    const { RedisMember } = await import('./coordinator/redis-member.js');
    this.coordinator = new RedisMember(this, url, this.log);
    await this.coordinator.start();
    await this.delivery;
  }

  /** Leave the group and tell the app every key is gone (before onWorkerStop runs). */
  async stop(): Promise<void> {
    await this.coordinator?.stop();
    this.apply([]);
    await this.delivery;
  }

  /** The app's list changed (Worker#setKeys). */
  refresh(): void {
    if (this.coordinator) this.coordinator.refresh();
    else this.apply(this.worker.keys.filter((key) => this.ownsKey(key)));
  }

  /** Does this process own `key` (whether or not it is in the list)? */
  ownsKey(key: string): boolean {
    if (!this.coordinator) return shardOf(key, this.shard.total) === this.shard.index;
    const members = this.coordinator.members();
    if (!this.self) return false;
    return members[ownerOf(digest32(key), members)]?.id === this.self.id;
  }

  ownedKeys(): ReadonlySet<string> {
    return this.owned;
  }

  /** Make `keys` the owned set; tell the app what was added and removed (in order, one call at a time). */
  apply(keys: Iterable<string>): void {
    const next = new Set(keys);
    const added: string[] = [];
    const removed: string[] = [];
    for (const key of next) if (!this.owned.has(key)) added.push(key);
    for (const key of this.owned) if (!next.has(key)) removed.push(key);
    if (added.length === 0 && removed.length === 0) return;
    this.owned = next;
    const worker = this.worker;
    this.delivery = this.delivery.then(async () => {
      try {
        await worker.onKeysAssigned?.(worker, added, removed);
      } catch (err) {
        const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
        this.log(`onKeysAssigned failed (+${added.length} -${removed.length} keys): ${detail}`);
      }
    });
  }

  status(): KeysStatus {
    return {
      mode: this.mode,
      owned: this.owned.size,
      keys: this.worker.keys.length,
      shard: this.coordinator ? null : { index: this.shard.index, total: this.shard.total },
      coordinator: this.coordinator?.status() ?? null,
    };
  }
}
