// The master's check of the sharding settings before it forks anything: WORKER_SHARD / WORKER_SHARDS and each
// Worker's keys and coordinator options. A bad value fails `start` at once with one sentence naming it,
// instead of every worker crash-looping on it.
import { createRequire } from 'node:module';
import { show } from '../shared/show.js';
import type { Worker } from './Worker.js';
import { hostShard } from './shard.js';

const requireHere = createRequire(import.meta.url);

/** @throws Error with one line for the first bad setting. */
export function checkKeysConfig(definitions: readonly Worker[], env: NodeJS.ProcessEnv): void {
  hostShard(env);
  let needsRedis = false;
  for (const w of definitions) {
    const name = `Worker "${String(w.name)}"`;
    if (!Array.isArray(w.keys) || w.keys.some((k) => typeof k !== 'string')) {
      throw new Error(`${name}: keys must be an array of strings, got ${show(w.keys)}`);
    }
    if (w.onKeysAssigned !== null && typeof w.onKeysAssigned !== 'function') {
      throw new Error(`${name}: onKeysAssigned must be a function, got ${show(w.onKeysAssigned)}`);
    }
    const W = w.constructor as typeof Worker;
    const url = w.coordinator || W.coordinator;
    if (typeof url !== 'string')
      throw new Error(`${name}: coordinator must be a redis:// URL, got ${show(url)}`);
    if (!url || (w.keys.length === 0 && !w.onKeysAssigned)) continue;
    let protocol = '';
    try {
      protocol = new URL(url).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      throw new Error(
        `${name}: coordinator must be a redis:// or rediss:// URL, got ${show(url.replace(/\/\/[^@/]*@/, '//***@'))}`,
      );
    }
    if (typeof w.leaseTtl !== 'number' || !Number.isFinite(w.leaseTtl) || w.leaseTtl < 0.3) {
      throw new Error(`${name}: leaseTtl must be a number of seconds >= 0.3, got ${show(w.leaseTtl)}`);
    }
    if (w.whenCoordinatorDown !== 'keep' && w.whenCoordinatorDown !== 'release') {
      throw new Error(
        `${name}: whenCoordinatorDown must be 'keep' or 'release', got ${show(w.whenCoordinatorDown)}`,
      );
    }
    if (typeof w.coordinatorGroup !== 'string') {
      throw new Error(`${name}: coordinatorGroup must be a string, got ${show(w.coordinatorGroup)}`);
    }
    needsRedis = true;
  }
  if (needsRedis) {
    try {
      requireHere.resolve('ioredis');
    } catch {
      throw new Error('a Worker has a coordinator, which needs the ioredis package: npm install ioredis');
    }
  }
}
