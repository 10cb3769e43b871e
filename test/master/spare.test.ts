// Warm spares (`spare` option) with real processes: a SIGKILLed slot is taken over by its Worker's spare
// (same id, onWorkerStart once, the listening one starts accepting only then), the spare is refilled and
// respawned when it dies itself, a second death while the spare is in use forks, a reload replaces the
// spares with ones on the new code, stop leaves nothing behind; spares that cannot load are given up;
// the CLI shows them; and the option's checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive, useAppDir, run, waitGone } from '../helpers/processes.js';
import { refusedPort } from '../helpers/servers.js';
import { waitFor } from '../helpers/wait.js';
import { cli, eventually, readPid, readText, testApp } from './cli-helpers.js';

const app = useAppDir();

test('a SIGKILLed slot is taken over by the warm spare; refill, respawn, reload, stop', async () => {
  const port = await refusedPort();
  app.write('version.txt', 'v1');
  app.write(
    'app.mjs',
    `import { Worker, Channel } from 'workerman-ts';
import { appendFileSync, readFileSync } from 'node:fs';
const version = readFileSync(new URL('./version.txt', import.meta.url), 'utf8');
const note = (line) => appendFileSync(new URL('./events.log', import.meta.url), line + '\\n');
note('load ' + process.pid + ' ' + version);
// Subscribed at module level, so in the spare before it has a slot: the master holds it for the slot.
Channel.on('news', (data) => note('news ' + process.pid + ' ' + data));
const feed = new Worker({ name: 'feed', count: 2, spare: 1 });
feed.onWorkerStart = (w) =>
  note('start ' + w.name + '#' + w.id + ' ' + process.pid + ' ' + version + ' env=' + process.env.WORKERMAN_TS_WORKER_ID);
const srv = new Worker('text://127.0.0.1:${port}', { name: 'srv', spare: 1 });
srv.onWorkerStart = feed.onWorkerStart;
srv.onMessage = (c) => c.send('pid=' + process.pid);
Worker.runAll();
`,
  );
  const host = app.write(
    'host.mjs',
    `import { Runtime } from 'workerman-ts';
import { connect } from 'node:net';
import { writeFileSync } from 'node:fs';
const out = (key, value) => console.log('OUT ' + key + ' ' + JSON.stringify(value));
const until = async (f, what) => {
  const end = Date.now() + 20000;
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 20));
  }
};
const ask = () => new Promise((resolve, reject) => {
  const c = connect(${port}, '127.0.0.1');
  c.setEncoding('utf8');
  c.on('data', (d) => { c.destroy(); resolve(Number(d.trim().slice(4))); });
  c.on('error', reject);
  c.write('who\\n');
});
const rt = await Runtime.start({ script: './app.mjs', stopTimeout: 3 });
const seen = new Set();
const note = () => { for (const s of rt.spares) seen.add(s.pid); for (const p of rt.pids) seen.add(p); };
const warm = (name, not = []) => rt.spares.find((s) => s.name === name && s.state === 'warm' && !not.includes(s.pid));
const slot = (name, id) => rt.workers.find((w) => w.name === name && w.id === id);
const readyAgain = (name, id, old) => new Promise((resolve) => {
  const f = (s) => { if (s.name === name && s.id === id && s.pid !== old) { rt.off('workerReady', f); resolve(s.pid); } };
  rt.on('workerReady', f);
});
const feedSpare = (await until(() => warm('feed'), 'the feed spare')).pid;
const srvSpare = (await until(() => warm('srv'), 'the srv spare')).pid;
note();
out('slots', rt.workers.map((w) => w.pid));
out('spares', [feedSpare, srvSpare]);
out('pids', rt.pids);
const status = await rt.status();
out('statusSpares', status.spares.map((s) => s.name + ':' + s.state + ':' + s.pid));
out('statusWorkers', status.workers.map((w) => w.pid));
out('statusDefinitions', status.definitions.map((d) => d.name + ':' + d.spare));
out('answersBefore', await Promise.all([ask(), ask(), ask(), ask(), ask()]));

// SIGKILL feed#0: its spare takes the slot.
const feed0 = slot('feed', 0).pid;
let ready = readyAgain('feed', 0, feed0);
process.kill(feed0, 'SIGKILL');
out('feed0', { old: feed0, now: await ready });
out('published', rt.publish('news', 'hello'));
const refill = (await until(() => warm('feed', [feedSpare]), 'the refilled feed spare')).pid;
note();
out('refill', refill);

// SIGKILL srv#0: its spare takes the slot and starts accepting.
const srv0 = slot('srv', 0).pid;
ready = readyAgain('srv', 0, srv0);
process.kill(srv0, 'SIGKILL');
out('srv0', { old: srv0, now: await ready });
out('answersAfter', await Promise.all([ask(), ask(), ask()]));
await until(() => warm('srv', [srvSpare]), 'the refilled srv spare');
note();

// A spare that dies is respawned.
process.kill(refill, 'SIGKILL');
const respawned = (await until(() => warm('feed', [feedSpare, refill]), 'the respawned spare')).pid;
note();
out('respawned', respawned);

// Both feed slots die at once: one takes the spare, the other is forked.
const olds = [slot('feed', 0).pid, slot('feed', 1).pid];
const both = Promise.all([readyAgain('feed', 0, olds[0]), readyAgain('feed', 1, olds[1])]);
for (const pid of olds) process.kill(pid, 'SIGKILL');
out('both', { spare: respawned, now: await both });
await until(() => warm('feed', [respawned]), 'the spare after both');
note();

// A reload replaces the spares: the new ones run the new code.
writeFileSync('version.txt', 'v2');
const before = rt.spares.map((s) => s.pid);
const result = await rt.reload();
out('reload', result.replaced);
const after = await until(() => {
  const list = rt.spares.filter((s) => s.state === 'warm' && !before.includes(s.pid));
  return list.length === 2 ? list.map((s) => s.pid) : null;
}, 'the spares after the reload');
note();
out('sparesAfterReload', { before, after, all: rt.spares.map((s) => s.pid) });
const f0 = slot('feed', 0).pid;
ready = readyAgain('feed', 0, f0);
process.kill(f0, 'SIGKILL');
out('afterReloadTakeover', await ready);
note();

await rt.stop();
out('stopped', { pids: rt.pids, spares: rt.spares, seen: [...seen] });
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(90_000);
  assert.equal(code, 0, p.output());
  const out: Record<string, unknown> = {};
  for (const m of p.output().matchAll(/^OUT (\w+) (.*)$/gm)) out[m[1]!] = JSON.parse(m[2]!);
  const events = readFileSync(join(app.dir, 'events.log'), 'utf8');
  const starts = (pid: number) =>
    events.split('\n').filter((l) => l.startsWith('start ') && l.includes(` ${pid} `));

  // Spares are not slots, but they are live processes of the runtime (rt.pids, status.spares).
  const [feedSpare, srvSpare] = out.spares as number[];
  const slots = out.slots as number[];
  assert.equal(slots.length, 3);
  assert.ok(!slots.includes(feedSpare!) && !slots.includes(srvSpare!));
  assert.ok((out.pids as number[]).includes(feedSpare!) && (out.pids as number[]).includes(srvSpare!));
  assert.deepEqual(
    (out.statusSpares as string[]).sort(),
    [`feed:warm:${feedSpare}`, `srv:warm:${srvSpare}`].sort(),
  );
  assert.ok(!(out.statusWorkers as number[]).includes(feedSpare!));
  assert.deepEqual(out.statusDefinitions, ['feed:1', 'srv:1']);
  // The spares imported the script (module-level code ran) but did not run onWorkerStart.
  assert.match(events, new RegExp(`^load ${feedSpare} v1$`, 'm'));
  assert.match(events, new RegExp(`^load ${srvSpare} v1$`, 'm'));

  // The listening spare accepted nothing before it took the slot.
  const srv0 = out.srv0 as { old: number; now: number };
  assert.deepEqual(out.answersBefore, [srv0.old, srv0.old, srv0.old, srv0.old, srv0.old]);
  assert.equal(srv0.now, srvSpare);
  assert.deepEqual(out.answersAfter, [srvSpare, srvSpare, srvSpare]);

  // The spare took feed#0: same id, onWorkerStart once, with the slot's id in its environment.
  const feed0 = out.feed0 as { old: number; now: number };
  assert.equal(feed0.now, feedSpare);
  assert.deepEqual(starts(feedSpare!), [`start feed#0 ${feedSpare} v1 env=0`]);
  assert.deepEqual(starts(srvSpare!), [`start srv#0 ${srvSpare} v1 env=0`]);
  // Its module-level Channel subscription reached the master as the slot's.
  assert.equal(out.published, 3);
  await waitFor(
    () => readFileSync(join(app.dir, 'events.log'), 'utf8').includes(`news ${feedSpare} hello`),
    'news',
  );
  // Refilled, and respawned when it died.
  assert.ok(typeof out.refill === 'number' && out.refill !== feedSpare);
  assert.ok(typeof out.respawned === 'number' && out.respawned !== out.refill);
  assert.deepEqual(starts(out.refill), []);

  // Two deaths, one spare: one slot took it, the other was forked; both kept their ids.
  const both = out.both as { spare: number; now: number[] };
  assert.equal(both.now.filter((pid) => pid === both.spare).length, 1);
  const forked = both.now.find((pid) => pid !== both.spare)!;
  assert.match(starts(forked)[0] ?? '', /^start feed#[01] \d+ v1 env=[01]$/);

  // The reload replaced the spares with ones on the new code, and a takeover after it runs the new code.
  assert.deepEqual(out.reload, ['feed#0', 'feed#1', 'srv#0']);
  const reloaded = out.sparesAfterReload as { before: number[]; after: number[]; all: number[] };
  for (const pid of reloaded.after) assert.match(events, new RegExp(`^load ${pid} v2$`, 'm'));
  assert.ok(
    reloaded.all.every((pid) => !reloaded.before.includes(pid)),
    'no old spare is kept',
  );
  const takeover = out.afterReloadTakeover as number;
  assert.ok(reloaded.after.includes(takeover));
  assert.deepEqual(starts(takeover), [`start feed#0 ${takeover} v2 env=0`]);

  // Stop leaves nothing behind, spares included.
  const stopped = out.stopped as { pids: number[]; spares: unknown[]; seen: number[] };
  assert.deepEqual(stopped.pids, []);
  assert.deepEqual(stopped.spares, []);
  await waitGone(stopped.seen);
});

test('spare: a whole number from 0 to count, checked before any fork; 0 (the default) keeps none', async () => {
  for (const [name, value] of [
    ['two', '2'],
    ['minus', '-1'],
    ['half', '0.5'],
    ['text', "'1'"],
  ] as const) {
    app.write(
      `bad-${name}.mjs`,
      `import { Worker } from 'workerman-ts';\nnew Worker({ name: 'feed', spare: ${value} });\nWorker.runAll();\n`,
    );
  }
  app.write(
    'plain.mjs',
    `import { Worker } from 'workerman-ts';\nnew Worker({ name: 'plain', count: 2 });\nWorker.runAll();\n`,
  );
  const host = app.write(
    'host-check.mjs',
    `import { Runtime } from 'workerman-ts';
for (const name of ['two', 'minus', 'half', 'text']) {
  try {
    await Runtime.start({ script: './bad-' + name + '.mjs' });
    console.log(name + ' STARTED');
  } catch (err) {
    console.log(name + ' ' + err.name + ': ' + err.message);
  }
}
const rt = await Runtime.start({ script: './plain.mjs' });
await new Promise((r) => setTimeout(r, 300));
console.log('plain spares ' + rt.spares.length + ' pids ' + rt.pids.length + ' status ' + (await rt.status()).spares.length);
await rt.stop();
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(30_000);
  assert.equal(code, 0, p.output());
  const out = p.output();
  assert.match(
    out,
    /two RuntimeStartError: Worker "feed": spare must be a whole number from 0 to count \(1\), got 2/,
  );
  assert.match(out, /minus RuntimeStartError: Worker "feed": spare must be .*, got -1/);
  assert.match(out, /half RuntimeStartError: Worker "feed": spare must be .*, got 0\.5/);
  assert.match(out, /text RuntimeStartError: Worker "feed": spare must be .*, got "1"/);
  assert.match(out, /plain spares 0 pids 2 status 0/);
  assert.doesNotMatch(out, /STARTED/);
});

test('CLI: status shows the spare after the slots, the log names it, stop ends it', async () => {
  const { script, pidFile, logFile } = testApp(
    `import { Worker } from 'workerman-ts';\nconst w = new Worker({ name: 'feed', count: 2, spare: 1 });\nw.onWorkerStart = () => {};\nWorker.runAll();\n`,
  );
  const start = await cli(script, ['start', '-d']);
  assert.equal(start.code, 0, start.output);
  assert.match(start.output, /started as a daemon, pid \d+, 2 workers ready/, start.output); // not 3: the spare is no worker
  assert.match(readText(logFile), /2 workers ready, 1 spare$/m);
  const master = readPid(pidFile)!;
  const spare = await eventually(
    async () => {
      const status = await cli(script, ['status', '--json']);
      const report = JSON.parse(status.output) as { spares: { pid: number; state: string }[] };
      return report.spares.find((s) => s.state === 'warm')?.pid ?? null;
    },
    15_000,
    'a warm spare',
  );
  const status = await cli(script, ['status']);
  assert.equal(status.code, 0, status.output);
  assert.match(status.output, /feed\s+2\s+yes\s+1\s+0/); // the definitions table: count, reloadable, spare, restarts
  assert.match(status.output, new RegExp(`${spare}\\s+feed spare\\s+spare`));
  assert.match(status.output, /1 worker definitions\s+3 processes/); // the master and two slots: the spare is no slot
  assert.match(readText(logFile), new RegExp(`spare for feed started, pid ${spare}`));
  const stop = await cli(script, ['stop']);
  assert.equal(stop.code, 0, stop.output);
  assert.match(stop.output, /and 2 workers and 1 spare\)/, stop.output); // the spare is not counted as a worker
  await waitGone([master, spare]);
  assert.ok(!isAlive(spare));
});

test('spares that keep failing to load are given up after 5 tries; the slot goes on with forks', async () => {
  app.write(
    'bad-spare.mjs',
    `import { Worker } from 'workerman-ts';
if (process.env.WORKERMAN_TS_SPARE) throw new Error('no spares here');
const w = new Worker({ name: 'feed', spare: 1 });
w.onWorkerStart = () => {};
Worker.runAll();
`,
  );
  const host = app.write(
    'host-bad-spare.mjs',
    `import { Runtime } from 'workerman-ts';
const logs = [];
const rt = await Runtime.start({ script: './bad-spare.mjs', logger: (m) => logs.push(m) });
const end = Date.now() + 30000;
while (!logs.some((l) => l.includes('no more spares')) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
const old = rt.workers[0].pid;
const ready = new Promise((r) => rt.on('workerReady', (s) => s.pid !== old && r(s.pid)));
process.kill(old, 'SIGKILL');
const now = await ready;
console.log('spares ' + rt.spares.length + ' replaced ' + (now !== old) + ' state ' + rt.workers[0].state);
console.log(logs.filter((l) => l.includes('spare')).join('\\n'));
await rt.stop();
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(60_000);
  assert.equal(code, 0, p.output());
  const out = p.output();
  assert.match(out, /spares 0 replaced true state ready/);
  assert.match(
    out,
    /spares for feed failed to start 5 times in a row: exit code 1; no more spares until a reload/,
  );
  assert.match(out, /spare for feed pid \d+ exited: exit code 1, replacing it in 200 ms/);
  assert.equal(out.match(/spare for feed started/g)?.length, 5);
});
