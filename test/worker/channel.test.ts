// Channel (cross-worker messaging) between real worker processes, relayed by a real master: delivery to
// every subscriber in publish order (the publisher too), bad input, the publisher's bound, a blocked
// receiver's bound in the master, and a rolling reload during a steady stream (no gap per slot).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run } from '../helpers/processes.js';

const app = useAppDir();

/** Sequence numbers each process printed as `got <seq> <name>#<id> <pid>`. */
function received(output: string): Map<string, number[]> {
  const byProcess = new Map<string, number[]>();
  for (const m of output.matchAll(/got (\d+) (\w+#\d+) (\d+)/g)) {
    const key = `${m[2]} ${m[3]}`;
    const list = byProcess.get(key) ?? [];
    list.push(Number(m[1]));
    byProcess.set(key, list);
  }
  return byProcess;
}

test('a published message reaches every subscribed process, the publisher included, in publish order, with its sender', async () => {
  const script = app.write(
    'channel-order.mjs',
    `import { Worker, Channel } from 'workerman-ts';
const subs = new Worker({ name: 'sub', count: 2 });
subs.onWorkerStart = (w) => {
  // Announce until the publisher answers: a message published before a process subscribed is not delivered to it.
  const announce = setInterval(() => Channel.publish('hello', w.id), 50);
  Channel.on('news', (n, from) => {
    clearInterval(announce);
    if (n === 200) console.log('got-all ' + w.name + '#' + w.id + ' from ' + from.name + '#' + from.id);
    else if (n % 50 === 0) console.log('got ' + n + ' ' + w.name + '#' + w.id + ' ' + process.pid);
    if (typeof n !== 'number') console.log('odd ' + JSON.stringify(n));
  });
  Channel.on('seq', (list) => console.log('seq ' + w.id + ' ' + (list.every((v, i) => v === i) ? 'in order' : 'OUT OF ORDER')));
};
const pub = new Worker({ name: 'pub' });
pub.onWorkerStart = (w) => {
  const seen = [];
  Channel.on('news', (n) => seen.push(n));
  const waiting = new Set([0, 1]);
  Channel.on('hello', (id) => {
    if (waiting.size === 0) return;
    waiting.delete(id);
    if (waiting.size > 0) return;
    for (let i = 1; i <= 200; i++) Channel.publish('news', i);
    setTimeout(() => {
      console.log('pub saw ' + seen.length + ' of its own, ordered ' + seen.every((v, i) => v === i + 1));
      Channel.publish('seq', seen.map((_, i) => i));
      console.log('stats ' + JSON.stringify(Channel.stats));
    }, 300);
  });
};
Worker.runAll();
`,
  );
  const p = run([script, 'start'], { cwd: app.dir });
  await p.waitFor(/got-all sub#0 from pub#0/);
  await p.waitFor(/got-all sub#1 from pub#0/);
  await p.waitFor('pub saw 200 of its own, ordered true');
  await p.waitFor(/seq 0 in order[\s\S]*seq 1 in order|seq 1 in order[\s\S]*seq 0 in order/);
  await p.waitFor(/stats \{"published":\d+,"received":\d+,"dropped":0\}/);
  assert.doesNotMatch(p.output(), /odd|OUT OF ORDER/);
  p.child.kill('SIGTERM');
  assert.equal((await p.exited()).code, 0);
});

test('bad input: a bad topic or data that cannot cross processes is a TypeError, the worker keeps running; a tight loop is bounded by Channel.maxPending', async () => {
  const script = app.write(
    'channel-bad.mjs',
    `import { Worker, Channel } from 'workerman-ts';
const w = new Worker({ name: 'bad' });
w.onWorkerStart = () => {
  for (const [what, f] of [
    ['empty topic', () => Channel.publish('', 1)],
    ['number topic', () => Channel.on(42, () => {})],
    ['function data', () => Channel.publish('t', () => 1)],
    ['no handler', () => Channel.on('t', 'nope')],
  ]) {
    try { f(); console.log(what + ': no error'); } catch (err) { console.log(what + ': ' + err.name + ': ' + err.message); }
  }
  Channel.maxPending = 100;
  let accepted = 0;
  for (let i = 0; i < 5000; i++) if (Channel.publish('flood', i)) accepted++;
  console.log('accepted ' + accepted + ' dropped ' + Channel.stats.dropped);
  setTimeout(() => console.log('after the flood: ' + Channel.publish('flood', 'x')), 200);
};
Worker.runAll();
`,
  );
  const p = run([script, 'start'], { cwd: app.dir });
  await p.waitFor('after the flood: true');
  const out = p.output();
  assert.match(out, /empty topic: TypeError: Channel\.publish: topic must be a non-empty string/);
  assert.match(out, /number topic: TypeError: Channel\.on: topic must be a non-empty string/);
  assert.match(
    out,
    /function data: TypeError: Channel\.publish\('t'\): the data cannot be sent to other processes/,
  );
  assert.match(out, /no handler: TypeError: Channel\.on: handler must be a function/);
  assert.match(out, /accepted 100 dropped 4900/);
  assert.doesNotMatch(out, /exited/);
  p.child.kill('SIGTERM');
  assert.equal((await p.exited()).code, 0);
});

test('a receiver whose event loop is blocked gets at most the master bound queued; the rest is dropped and counted, and it recovers', async () => {
  const host = app.write(
    'channel-host.mjs',
    `import { Runtime } from 'workerman-ts';
const rt = await Runtime.start({ script: process.argv[2] });
rt.on('log', () => {});
await new Promise((r) => setTimeout(r, 300));
for (let i = 0; i < 5000; i++) rt.publish('load', i);
await new Promise((r) => setTimeout(r, 3000));
rt.publish('load', 'last');
await new Promise((r) => setTimeout(r, 500));
console.log('relay ' + JSON.stringify(rt.channelStats));
await rt.stop();
`,
  );
  const script = app.write(
    'channel-blocked.mjs',
    `import { Worker, Channel } from 'workerman-ts';
const w = new Worker({ name: 'slow' });
w.onWorkerStart = () => {
  let n = 0;
  Channel.on('block', () => {});
  Channel.on('load', (v, from) => {
    n++;
    if (v === 0) { const until = Date.now() + 1500; while (Date.now() < until); }
    if (v === 'last') console.log('worker got ' + n + ' from ' + from.name);
  });
};
Worker.runAll();
`,
  );
  const p = run([host, script], { cwd: app.dir });
  const [, got] = await p.waitFor(/worker got (\d+) from master/, 20_000);
  const [, stats] = await p.waitFor(/relay (\{.*\})/, 20_000);
  const relay = JSON.parse(stats!) as { published: number; delivered: number; dropped: number };
  assert.equal(relay.published, 5001);
  assert.ok(relay.dropped > 0, `some copies dropped: ${stats}`);
  assert.equal(relay.delivered + relay.dropped, 5001);
  assert.equal(Number(got), relay.delivered, 'the worker got every copy the relay did not drop');
  assert.equal((await p.exited()).code, 0);
});

test('rolling reload during a 10 ms stream: every slot receives every message from before to after the reload (old and new process together)', async () => {
  const script = app.write(
    'channel-reload.mjs',
    `import { Worker, Channel, Timer } from 'workerman-ts';
const subs = new Worker({ name: 'sub', count: 2 });
subs.onWorkerStart = (w) => {
  Channel.on('tick', (n) => console.log('got ' + n + ' ' + w.name + '#' + w.id + ' ' + process.pid));
};
const feed = new Worker({ name: 'feed', reloadable: false });
feed.onWorkerStart = () => {
  let n = 0;
  Timer.add(0.01, () => Channel.publish('tick', ++n));
};
Worker.runAll();
`,
  );
  const p = run([script, 'start'], { cwd: app.dir });
  await p.waitFor(/got 30 sub#1/);
  p.child.kill('SIGUSR1');
  await p.waitFor(/reload done: 2 replaced, 1 notified/, 20_000);
  // Let a few more ticks arrive at the replacements.
  await new Promise((r) => setTimeout(r, 300));
  p.child.kill('SIGTERM');
  assert.equal((await p.exited()).code, 0);
  const byProcess = received(p.output());
  for (const slot of ['sub#0', 'sub#1']) {
    const processes = [...byProcess.keys()].filter((k) => k.startsWith(slot + ' '));
    assert.ok(processes.length >= 2, `${slot}: an old and a new process (${processes.join(', ')})`);
    const all = new Set(processes.flatMap((k) => byProcess.get(k)!));
    const first = Math.min(...all);
    const last = Math.max(...all);
    const missing = [];
    for (let n = first; n <= last; n++) if (!all.has(n)) missing.push(n);
    assert.deepEqual(missing, [], `${slot}: ticks ${first}..${last} with none missing`);
    for (const k of processes) {
      const list = byProcess.get(k)!;
      assert.ok(
        list.every((v, i) => i === 0 || v === list[i - 1]! + 1),
        `${k} received its ticks in order, without holes`,
      );
    }
  }
});
