// Which copy of the app this host is (WORKER_SHARD, or a StatefulSet ordinal), and from it the shard of
// one worker process across the whole deployment: host index x count + id, of hosts x count.
import { hostname } from 'node:os';

/** This process's place in the deployment (docs/sharding.md). */
export interface ShardInfo {
  /** 0..total-1: `host * count + id`. */
  index: number;
  /** Processes of this Worker across every host: `hosts * count`. */
  total: number;
  /** This copy of the app: 0..hosts-1. */
  host: number;
  /** Copies of the app in the deployment. */
  hosts: number;
}

/** Where the host index came from, for messages. */
export interface HostShard {
  host: number;
  hosts: number;
  source: 'WORKER_SHARD' | 'WORKER_SHARDS' | 'default';
}

const WHOLE = /^(0|[1-9][0-9]{0,8})$/;

/**
 * The host's index and the number of hosts, from `WORKER_SHARD=<index>/<total>`, else from `WORKER_SHARDS=<n>`
 * with the ordinal at the end of the host name (`HOSTNAME`, else os.hostname(): `bots-2` is host 2), else
 * host 0 of 1. Throws an Error with one line naming the variable and the bad value.
 */
export function hostShard(env: NodeJS.ProcessEnv = process.env): HostShard {
  const spec = env.WORKER_SHARD;
  if (spec !== undefined && spec !== '') {
    const parts = spec.trim().split('/');
    if (parts.length !== 2 || !WHOLE.test(parts[0]!) || !WHOLE.test(parts[1]!)) {
      throw new Error(
        `WORKER_SHARD must be <index>/<total> with whole numbers (e.g. 0/3), got ${JSON.stringify(spec)}`,
      );
    }
    const host = Number(parts[0]);
    const hosts = Number(parts[1]);
    if (hosts < 1) throw new Error(`WORKER_SHARD=${spec}: the total must be at least 1`);
    if (host >= hosts) {
      throw new Error(`WORKER_SHARD=${spec}: the index must be below the total (0..${hosts - 1})`);
    }
    return { host, hosts, source: 'WORKER_SHARD' };
  }
  const count = env.WORKER_SHARDS;
  if (count !== undefined && count !== '') {
    if (!WHOLE.test(count.trim()) || Number(count) < 1) {
      throw new Error(
        `WORKER_SHARDS must be a whole number >= 1 (the number of hosts), got ${JSON.stringify(count)}`,
      );
    }
    const hosts = Number(count);
    const name = env.HOSTNAME || hostname();
    const ordinal = /-(0|[1-9][0-9]{0,8})$/.exec(name);
    if (!ordinal) {
      throw new Error(
        `WORKER_SHARDS=${count} needs a host name ending in -<ordinal> (a StatefulSet pod, e.g. bots-0), got ${JSON.stringify(name)}; or set WORKER_SHARD=<index>/<total>`,
      );
    }
    const host = Number(ordinal[1]);
    if (host >= hosts) {
      throw new Error(`host ${name}: ordinal ${host} is not below WORKER_SHARDS=${count} (0..${hosts - 1})`);
    }
    return { host, hosts, source: 'WORKER_SHARDS' };
  }
  return { host: 0, hosts: 1, source: 'default' };
}

/** The shard of worker `id` of a Worker with `count` processes on this host. */
export function processShard(host: HostShard, count: number, id: number): ShardInfo {
  return { index: host.host * count + id, total: host.hosts * count, host: host.host, hosts: host.hosts };
}
