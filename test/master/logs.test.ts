// Log lines of real processes: ISO timestamp, process kind, Worker name and id on every line the runtime
// writes; Worker.logFormat = 'json' / WORKERMAN_LOG_FORMAT=json (one JSON object per line, console.* of
// workers included); size rotation with a kept count; SIGHUP reopens the log file and the stdout file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { run, useAppDir } from '../helpers/processes.js';
import { cli, eventually, killGroup, readPid, readText } from './cli-helpers.js';

const app = useAppDir();
const source = (extra: string) => `import { Worker, Timer } from 'workerman-ts';
import { existsSync, writeFileSync } from 'node:fs';
const here = (f) => new URL(f, import.meta.url).pathname;
Worker.stdoutFile = new URL(import.meta.url).pathname + '.out';
Worker.logFile = new URL(import.meta.url).pathname + '.log';
Worker.stopTimeout = 3;
${extra}
const w = new Worker({ name: 'feed', count: 2 });
w.onWorkerStart = (worker) => {
  console.log('hello from', { id: worker.id });
  console.error('oops on stderr');
  // once the test writes <script>.boom, worker 0 throws (once) from a timer: an uncaught exception
  const me = new URL(import.meta.url).pathname;
  if (worker.id === 0) Timer.add(0.02, () => {
    if (!existsSync(me + '.boom') || existsSync(me + '.crashed')) return;
    writeFileSync(me + '.crashed', '');
    throw new Error('boom once');
  });
  if (process.env.TICK_MS) Timer.add(Number(process.env.TICK_MS) / 1000, () => console.log('tick ' + worker.id + ' ' + 'x'.repeat(80)));
};
Worker.runAll();
`;
const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

test('text lines carry an ISO timestamp, the process kind, and Worker name and id', async () => {
  const script = app.write('text.mjs', source(''));
  const master = run([script, 'start'], { cwd: dirname(script) });
  await master.waitFor(/2 workers ready/);
  writeFileSync(`${script}.boom`, '');
  await master.waitFor(/uncaught exception: Error: boom once/);
  await master.waitFor(/worker feed#0 started, pid \d+\n[^]*worker feed#0 started, pid \d+/); // replaced
  master.child.kill('SIGTERM');
  assert.equal((await master.exited()).code, 0);
  const out = master.output();
  assert.match(out, new RegExp(`^${ISO} master pid:${master.child.pid} 2 workers ready$`, 'm'));
  assert.match(out, new RegExp(`^${ISO} worker feed#0 pid:\\d+ uncaught exception: Error: boom once$`, 'm'));
  assert.match(out, /^hello from \{ id: 1 \}$/m, 'console output of user code is left as printed');
  const logLines = readText(`${script}.log`).trim().split('\n');
  assert.ok(logLines.length > 3);
  for (const line of logLines) assert.match(line, new RegExp(`^${ISO} master pid:\\d+ `));
});

test('WORKERMAN_LOG_FORMAT=json: every line of stdout, stderr and the log file is one JSON object', async () => {
  const script = app.write('json.mjs', source(''));
  const master = run([script, 'start'], { cwd: dirname(script), env: { WORKERMAN_LOG_FORMAT: 'json' } });
  await master.waitFor(/"msg":"start success"/);
  writeFileSync(`${script}.boom`, '');
  await master.waitFor(/uncaught exception: Error: boom once/);
  await master.waitFor(/"msg":"hello from \{ id: 0 \}"[^]*"msg":"hello from \{ id: 0 \}"/); // the replacement
  master.child.kill('SIGTERM');
  assert.equal((await master.exited()).code, 0);
  type Line = {
    time: string;
    level: string;
    kind: string;
    pid: number;
    worker?: string;
    id?: number;
    msg: string;
  };
  const lines = master
    .output()
    .trim()
    .split('\n')
    .map((line) => {
      try {
        return JSON.parse(line) as Line;
      } catch {
        throw new Error(`not a JSON line: ${line}\n--- output:\n${master.output()}`);
      }
    });
  for (const line of lines) assert.match(line.time, new RegExp(`^${ISO}$`));
  const ready = lines.find((l) => l.msg === '2 workers ready');
  assert.deepEqual(ready && { kind: ready.kind, pid: ready.pid, level: ready.level }, {
    kind: 'master',
    pid: master.child.pid,
    level: 'info',
  });
  const hello = lines.find((l) => l.msg === 'hello from { id: 1 }');
  assert.deepEqual(hello && [hello.kind, hello.worker, hello.id, hello.level], ['worker', 'feed', 1, 'info']);
  const oops = lines.find((l) => l.msg === 'oops on stderr' && l.id === 0);
  assert.equal(oops?.level, 'error');
  const crash = lines.find((l) => l.msg.startsWith('uncaught exception: Error: boom once'));
  assert.deepEqual(crash && [crash.kind, crash.worker, crash.id, crash.level], [
    'worker',
    'feed',
    0,
    'error',
  ]);
  assert.match(crash!.msg, /\n\s+at /, 'the stack stays inside one JSON object');
  const logFile = readText(`${script}.log`).trim().split('\n');
  for (const line of logFile) assert.equal((JSON.parse(line) as Line).kind, 'master');
});

test("Worker.logFormat = 'json' in the script; a bad value fails the start with the setting's name", async () => {
  const script = app.write('json-setting.mjs', source(`Worker.logFormat = 'json';`));
  const master = run([script, 'start'], { cwd: dirname(script) });
  await master.waitFor(/"kind":"worker","worker":"feed","id":1,"pid":\d+,"msg":"hello from \{ id: 1 \}"/);
  master.child.kill('SIGTERM');
  assert.equal((await master.exited()).code, 0);

  const bad = app.write('bad-format.mjs', source(`Worker.logFormat = 'xml';`));
  const refused = await cli(bad, ['start']);
  assert.equal(refused.code, 1, refused.output);
  assert.match(refused.output, /Worker\.logFormat must be 'text' or 'json', got "xml"/);
  const badEnv = await cli(script, ['start'], { WORKERMAN_LOG_FORMAT: 'yaml' });
  assert.equal(badEnv.code, 1, badEnv.output);
  assert.match(badEnv.output, /WORKERMAN_LOG_FORMAT must be "text" or "json", got "yaml"/);
});

test('daemon: the log file and the stdout file rotate by size, keeping Worker.logKeep files', async () => {
  const dir = app.dir;
  const script = app.write('rotate.mjs', source(`Worker.logMaxSize = 1500; Worker.logKeep = 2;`));
  const [log, out] = [`${script}.log`, `${script}.out`];
  const pidFile = join(dir, 'workerman.rotate.mjs.pid');
  const started = await cli(script, ['start', '-d'], { TICK_MS: '20' });
  assert.equal(started.code, 0, started.output);
  const pid = readPid(pidFile);
  try {
    await eventually(() => existsSync(`${out}.2`), 15_000, 'out.2');
    // each reload writes a few lines to the log file; one at a time until it rotated
    const reloads = () => (readText(log) + readText(`${log}.1`)).match(/reload done/g)?.length ?? 0;
    for (let i = 1; i <= 10 && !existsSync(`${log}.1`); i++) {
      process.kill(pid!, 'SIGUSR1');
      await eventually(() => reloads() >= i || existsSync(`${log}.1`), 15_000, `reload ${i}`).catch((err) => {
        throw new Error(`${(err as Error).message}; log:\n${readText(log)}`);
      });
    }
    assert.ok(existsSync(`${log}.1`), 'the log file rotated');
  } finally {
    const stopped = await cli(script, ['stop']);
    if (stopped.code !== 0) killGroup(pid);
  }
  const files = readdirSync(dir);
  assert.ok(!existsSync(`${out}.3`) && !existsSync(`${log}.3`), files.join(' '));
  for (const name of [`${out}.1`, `${out}.2`, `${log}.1`]) {
    // a rotated file is about maxSize (a stdout file can overshoot by what was written in the last second)
    assert.ok(statSync(name).size >= 1500, `${name} rotated at its size`);
  }
  assert.match(readText(`${out}.1`), /tick \d x+/);
});

test('daemon: SIGHUP reopens the log file and the stdout file (logrotate without copytruncate)', async () => {
  const dir = app.dir;
  const script = app.write('reopen.mjs', source(''));
  const pidFile = join(dir, 'workerman.reopen.mjs.pid');
  const [log, out] = [`${script}.log`, `${script}.out`];
  const started = await cli(script, ['start', '-d'], { TICK_MS: '50' });
  assert.equal(started.code, 0, started.output);
  const pid = readPid(pidFile)!;
  try {
    await eventually(() => /tick 0[^]*tick 1/.test(readText(out)), 10_000, 'ticks in out.log');
    renameSync(log, `${log}.moved`);
    renameSync(out, `${out}.moved`);
    process.kill(pid, 'SIGHUP');
    await eventually(() => readText(log).includes('SIGHUP received: log file reopened'), 10_000, 'new log');
    // both workers write to the new stdout file, and stop writing to the moved one
    await eventually(() => /tick 0[^]*tick 1|tick 1[^]*tick 0/.test(readText(out)), 10_000, 'new out.log');
    await new Promise((r) => setTimeout(r, 200));
    const movedSize = statSync(`${out}.moved`).size;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(statSync(`${out}.moved`).size, movedSize, 'nothing more goes to the moved stdout file');
    assert.ok(!readText(`${log}.moved`).includes('SIGHUP received'));
  } finally {
    const stopped = await cli(script, ['stop']);
    if (stopped.code !== 0) killGroup(pid);
  }
  assert.match(readText(log), /master pid \d+ stopped/);
});
