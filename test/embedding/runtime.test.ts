// Embedding: a host program (a real process) starts, reloads and stops runtimes from code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run, waitGone } from '../helpers/processes.js';

const app = useAppDir();

app.write(
  'app.mjs',
  `import { Worker } from 'workerman-ts';
const w = new Worker({ name: 'feed', count: 2 });
w.onWorkerStart = (worker) => new Promise((r) => setTimeout(r, 30));
Worker.runAll();
`,
);

test('a host starts a script, reloads it, stops it, and exits by itself with its own exit code', async () => {
  const host = app.write(
    'host.mjs',
    `import { Runtime } from 'workerman-ts';
const events = [];
const rt = await Runtime.start({ script: './app.mjs', stopTimeout: 5 });
rt.on('workerExit', (slot, code, signal) => events.push('exit ' + slot.name + '#' + slot.id));
const before = rt.workers.map((w) => w.name + '#' + w.id + '=' + w.pid);
const result = await rt.reload();
const afterReload = rt.workers.map((w) => w.name + '#' + w.id + '=' + w.pid);
await rt.stop();
console.log(JSON.stringify({ before, afterReload, result, events, workers: rt.workers, pids: rt.pids }));
process.exitCode = 7; // the runtime must not exit the host: this code must survive
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(30_000);
  assert.equal(code, 7, p.output());
  const out = JSON.parse(p.output().trim().split('\n').pop()!) as {
    before: string[];
    afterReload: string[];
    result: { replaced: string[]; halted: unknown };
    workers: { state: string }[];
    pids: number[];
  };
  assert.equal(out.before.length, 2);
  assert.deepEqual(out.result.replaced, ['feed#0', 'feed#1']);
  assert.equal(out.result.halted, null);
  // ids kept, pids changed
  const ids = (list: string[]) => list.map((s) => s.split('=')[0]);
  const pidsOf = (list: string[]) => list.map((s) => Number(s.split('=')[1]));
  assert.deepEqual(ids(out.afterReload), ['feed#0', 'feed#1']);
  for (const pid of pidsOf(out.afterReload)) assert.ok(!pidsOf(out.before).includes(pid));
  assert.deepEqual(out.pids, []);
  assert.ok(out.workers.every((w) => w.state === 'stopped'));
  await waitGone([...pidsOf(out.before), ...pidsOf(out.afterReload)]);
});

test('start failures reject with RuntimeStartError and a message that says why', async () => {
  app.write('syntax.mjs', `import { Worker } from 'workerman-ts';\nconst = ;\n`);
  app.write('norunall.mjs', `import { Worker } from 'workerman-ts';\nnew Worker();\n`);
  app.write(
    'throws.mjs',
    `import { Worker } from 'workerman-ts';
const w = new Worker({ name: 'cfg' });
w.onWorkerStart = () => { throw new Error('missing API key'); };
Worker.runAll();
`,
  );
  const host = app.write(
    'host-fail.mjs',
    `import { Runtime, RuntimeStartError } from 'workerman-ts';
for (const script of ['./missing.mjs', './syntax.mjs', './norunall.mjs', './throws.mjs']) {
  try {
    await Runtime.start({ script });
    console.log(script + ' STARTED');
  } catch (err) {
    console.log(script + ' ' + (err instanceof RuntimeStartError) + ' ' + err.message.split('\\n')[0]);
  }
}
try { await Runtime.start({}); } catch (err) { console.log('none ' + err.name + ' ' + err.message); }
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(40_000);
  assert.equal(code, 0, p.output());
  const out = p.output();
  assert.match(out, /\.\/missing\.mjs true start script not found: .*missing\.mjs/);
  assert.match(out, /\.\/syntax\.mjs true could not load start script .*syntax\.mjs: /);
  assert.match(out, /\.\/norunall\.mjs true start script .*norunall\.mjs did not call Worker\.runAll\(\)/);
  assert.match(out, /\.\/throws\.mjs true worker cfg#0 failed to start \d+ times in a row: missing API key/);
  assert.match(out, /none TypeError Runtime\.start: give exactly one of/);
  assert.doesNotMatch(out, /STARTED/);
});

test('module form: workers defined by an exported function; two runtimes in one host work independently', async () => {
  app.write(
    'workers.mjs',
    `import { Worker } from 'workerman-ts';
export function bots() {
  const w = new Worker({ name: 'bot', count: 2 });
  w.onWorkerStart = (worker) => console.log('bot up ' + worker.id);
}
export const single = new Worker({ name: 'single' });
`,
  );
  const host = app.write(
    'host-module.mjs',
    `import { Runtime } from 'workerman-ts';
const a = await Runtime.start({ module: './workers.mjs', export: 'bots' });
const b = await Runtime.start({ script: './app.mjs' });
console.log('A ' + a.workers.map((w) => w.name + '#' + w.id + ':' + w.state).join(','));
console.log('B ' + b.workers.map((w) => w.name + '#' + w.id + ':' + w.state).join(','));
await a.stop();
console.log('B after A stopped ' + b.workers.map((w) => w.state).join(',') + ' ' + b.pids.length);
await b.stop();
console.log('done');
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(30_000);
  assert.equal(code, 0, p.output());
  assert.match(p.output(), /A bot#0:ready,bot#1:ready\n/);
  assert.match(p.output(), /B feed#0:ready,feed#1:ready\n/);
  assert.match(p.output(), /B after A stopped ready,ready 2\n/);
  assert.match(p.output(), /bot up 0/);
  assert.match(p.output(), /done\n/);
});

test('handleSignals: SIGUSR1 reloads, SIGTERM stops, and the host then ends by itself', async () => {
  const host = app.write(
    'host-signals.mjs',
    `import { Runtime } from 'workerman-ts';
const rt = await Runtime.start({ script: './app.mjs', handleSignals: true });
rt.on('reload', (r) => console.log('reloaded ' + r.replaced.join(',')));
rt.on('stop', () => console.log('runtime stopped'));
console.log('ready ' + rt.pids.join(','));
`,
  );
  const p = run([host], { cwd: app.dir });
  const ready = await p.waitFor(/ready (\d+),(\d+)/, 15_000);
  p.child.kill('SIGUSR1');
  await p.waitFor('reloaded feed#0,feed#1', 15_000);
  p.child.kill('SIGTERM');
  const { code, signal } = await p.exited(15_000);
  assert.equal(signal, null);
  assert.equal(code, 0, p.output());
  assert.match(p.output(), /runtime stopped/);
  await waitGone([Number(ready[1]), Number(ready[2])]);
});

test('Worker.stopAll() in a host stops its runtimes and never signals the host itself', async () => {
  const host = app.write(
    'host-stopall.mjs',
    `import { Runtime, Worker } from 'workerman-ts';
const rt = await Runtime.start({ script: './app.mjs' });
rt.on('stop', () => console.log('runtime stopped'));
Worker.stopAll();
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code, signal } = await p.exited(20_000);
  assert.equal(signal, null);
  assert.equal(code, 0, p.output());
  assert.match(p.output(), /runtime stopped/);
});

test('module form: a start script that also exports its Workers does not run the CLI in the host', async () => {
  // A file that is both a start script (calls Worker.runAll() at the top level) and a workers module.
  // Loaded as a module, its runAll() must not parse the host's argv, print usage or exit the host, and in
  // the worker processes it must not start the top-level Worker instead of the export's.
  app.write(
    'dual.mjs',
    `import { Worker } from 'workerman-ts';
export function bots() {
  const w = new Worker({ name: 'bot' });
  w.onWorkerStart = (worker) => console.log('bot up ' + worker.id);
  Worker.runAll();
}
const top = new Worker({ name: 'top' });
top.onWorkerStart = () => console.log('TOP STARTED');
Worker.runAll();
`,
  );
  const host = app.write(
    'host-dual.mjs',
    `import { Runtime } from 'workerman-ts';
try { await Runtime.start({ module: './dual.mjs', export: 'nope' }); console.log('nope STARTED'); }
catch (err) { console.log('nope ' + err.name + ' ' + err.message); }
const rt = await Runtime.start({ module: './dual.mjs', export: 'bots' });
console.log('A ' + rt.workers.map((w) => w.name + '#' + w.id + ':' + w.state).join(','));
await rt.stop();
console.log('done');
`,
  );
  const p = run([host, 'start'], { cwd: app.dir });
  const { code } = await p.exited(30_000);
  assert.equal(code, 0, p.output());
  assert.match(
    p.output(),
    /nope RuntimeStartError could not load workers module .*dual\.mjs: .*no export named "nope"/,
  );
  assert.match(p.output(), /A bot#0:ready\n/);
  assert.match(p.output(), /bot up 0/);
  assert.match(p.output(), /done\n/);
  assert.doesNotMatch(p.output(), /TOP STARTED|Usage:|start in FOREGROUND|STARTED/);
});

test('bad option types reject at once with a TypeError that names the option', async () => {
  const host = app.write(
    'host-options.mjs',
    `import { Runtime } from 'workerman-ts';
const cases = [{ script: 123 }, { script: './app.mjs', readyTimeout: 'x' }, { script: './app.mjs', stopTimeout: -1 },
  { script: './app.mjs', busyAfterMs: NaN }, { module: './app.mjs', export: 5 }, { script: './app.mjs', reloadConcurrency: 0 }];
for (const options of cases) {
  const t0 = Date.now();
  try { const rt = await Runtime.start(options); console.log('STARTED'); await rt.stop(); }
  catch (err) { console.log(err.name + ' ' + err.message + ' in ' + (Date.now() - t0) + ' ms'); }
}
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(20_000);
  assert.equal(code, 0, p.output());
  const out = p.output();
  assert.match(out, /TypeError Runtime\.start: script must be a string, got number/);
  assert.match(out, /TypeError Runtime\.start: readyTimeout must be a number of seconds > 0, got "x"/);
  assert.match(out, /TypeError Runtime\.start: stopTimeout must be a number of seconds >= 0, got -1/);
  assert.match(out, /TypeError Runtime\.start: busyAfterMs must be a number of milliseconds > 0, got NaN/);
  assert.match(out, /TypeError Runtime\.start: export must be a string, got number/);
  assert.match(out, /TypeError Runtime\.start: reloadConcurrency must be a whole number >= 1, got 0/);
  assert.doesNotMatch(out, /STARTED/);
  for (const [, ms] of out.matchAll(/ in (\d+) ms/g)) assert.ok(Number(ms) < 1000, out);
});

test('rt.reload() rejects when rt.stop() cuts it short; a bad concurrency is a TypeError', async () => {
  app.write(
    'slow-reload.mjs',
    `import { Worker } from 'workerman-ts';
const w = new Worker({ name: 'slow', count: 2 });
w.onWorkerStart = () => new Promise((r) => setTimeout(r, process.env.SLOW === '1' ? 1000 : 0));
Worker.runAll();
`,
  );
  const host = app.write(
    'host-stop-reload.mjs',
    `import { Runtime } from 'workerman-ts';
const rt = await Runtime.start({ script: './slow-reload.mjs' });
try { await rt.reload({ concurrency: 0 }); } catch (err) { console.log(err.name + ': ' + err.message); }
process.env.SLOW = '1'; // the replacements inherit it: each takes 1 s to be ready
const reloading = rt.reload();
setTimeout(() => void rt.stop(), 300);
try { console.log('resolved ' + JSON.stringify(await reloading)); } catch (err) { console.log('rejected: ' + err.message); }
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(30_000);
  assert.equal(code, 0, p.output());
  assert.match(p.output(), /TypeError: reload: concurrency must be a whole number >= 1, got 0/);
  assert.match(
    p.output(),
    /rejected: reload interrupted: the runtime began stopping; replaced before that: none/,
  );
});
