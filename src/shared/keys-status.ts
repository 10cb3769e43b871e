// What a worker reports about the work keys it owns (static shards or the Redis coordinator): part of the
// counters it pushes to the master (`keys` in WorkerStats), shown by `status` (docs/sharding.md).

export type CoordinatorState =
  /** Not answered yet since the worker started. */
  | 'connecting'
  /** The last round (renew the lease, read the members) succeeded. */
  | 'ok'
  /** Redis does not answer; the worker keeps its keys (or released them: whenCoordinatorDown). */
  | 'unreachable'
  /** The lease ran out while the process could not renew it (e.g. a blocked event loop): keys dropped. */
  | 'lease-lost'
  /** The worker left the group (it is stopping). */
  | 'left';

export interface CoordinatorStatus {
  /** The Redis URL, credentials masked. */
  url: string;
  /** The group (Redis key prefix `workerman-ts:<group>`). */
  group: string;
  state: CoordinatorState;
  /** Epoch ms when `state` began. */
  since: number;
  /** Live members of the group in the last successful round (this process included). */
  members: number;
  /** Lease length in seconds. */
  leaseTtl: number;
  /** The last Redis error, or null. */
  lastError: string | null;
}

export interface KeysStatus {
  mode: 'static' | 'redis';
  /** Keys this process owns now. */
  owned: number;
  /** Keys in the app's list (`keys` / setKeys). */
  keys: number;
  /** This process's shard across the deployment (static mode), or null. */
  shard: { index: number; total: number } | null;
  /** Redis mode: the coordinator's state; null in static mode. */
  coordinator: CoordinatorStatus | null;
}
