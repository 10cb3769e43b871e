// The hash and the environment, without processes: the digests and owners are pinned to fixed values (a
// change of algorithm would silently move every key of a running fleet, so it must fail here first), and
// WORKER_SHARD / WORKER_SHARDS parse as docs/sharding.md says.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { digest32, fmix32, ownerOf, shardOf, weight } from '../../src/worker/hrw.js';
import { hostShard, processShard } from '../../src/worker/shard.js';

test('digests are the first 32 bits of SHA-256 (UTF-8), and owners are pinned', () => {
  assert.equal(digest32('BTCUSDT'), 0x19aa16ae);
  assert.equal(digest32('BTCUSDT'), createHash('sha256').update('BTCUSDT').digest().readUInt32BE(0));
  assert.equal(digest32(''), 3820012610);
  assert.equal(digest32('чат-1'), 3120746970, 'UTF-8 bytes, not UTF-16 code units');
  assert.equal(fmix32(0), 0);
  assert.equal(weight(1, 2), 2247144487);
  assert.deepEqual(
    ['BTCUSDT', 'ETHUSDT', 'room-7', 'чат-1'].map((k) => shardOf(k, 6)),
    [1, 0, 0, 3],
  );
  assert.equal(shardOf('sym-42', 64), 51);
  assert.equal(shardOf('anything', 1), 0);
});

test('rendezvous: a member that leaves moves only its own keys; equal seeds go to the newest', () => {
  const members = Array.from({ length: 5 }, (_, i) => ({
    id: `m${i}`,
    digest: digest32(`seed${i}`),
    startedAt: 0,
  }));
  for (let k = 0; k < 2000; k++) {
    const d = digest32(`k${k}`);
    const before = members[ownerOf(d, members)]!;
    const rest = members.filter((m) => m.id !== 'm2');
    const after = rest[ownerOf(d, rest)]!;
    if (before.id !== 'm2') assert.equal(after.id, before.id);
  }
  const old = { id: 'old', digest: digest32('slot'), startedAt: 1000 };
  const replacement = { id: 'new', digest: digest32('slot'), startedAt: 2000 };
  const d = digest32('k');
  assert.equal([old, replacement][ownerOf(d, [old, replacement])]!.id, 'new');
  assert.equal([replacement, old][ownerOf(d, [replacement, old])]!.id, 'new', 'whatever the order');
  assert.equal(ownerOf(d, []), -1);
});

test('WORKER_SHARD, WORKER_SHARDS with an ordinal, and the default', () => {
  assert.deepEqual(hostShard({ WORKER_SHARD: '2/3' }), { host: 2, hosts: 3, source: 'WORKER_SHARD' });
  assert.deepEqual(hostShard({ WORKER_SHARD: '1/3', WORKER_SHARDS: '9', HOSTNAME: 'x-5' }).host, 1);
  assert.deepEqual(hostShard({ WORKER_SHARDS: '4', HOSTNAME: 'bots-3' }), {
    host: 3,
    hosts: 4,
    source: 'WORKER_SHARDS',
  });
  assert.deepEqual(hostShard({}), { host: 0, hosts: 1, source: 'default' });
  assert.deepEqual(processShard(hostShard({ WORKER_SHARD: '2/3' }), 2, 1), {
    index: 5,
    total: 6,
    host: 2,
    hosts: 3,
  });
  for (const bad of ['3', '-1/3', '1/3/4', 'a/b', '01/3', '1.5/3', ' /3']) {
    assert.throws(
      () => hostShard({ WORKER_SHARD: bad }),
      /^Error: WORKER_SHARD must be <index>\/<total>/,
      bad,
    );
  }
  assert.throws(() => hostShard({ WORKER_SHARD: '0/0' }), /the total must be at least 1/);
  assert.throws(() => hostShard({ WORKER_SHARDS: 'three' }), /WORKER_SHARDS must be a whole number >= 1/);
  assert.throws(
    () => hostShard({ WORKER_SHARDS: '2', HOSTNAME: 'bots-2' }),
    /ordinal 2 is not below WORKER_SHARDS=2/,
  );
});
