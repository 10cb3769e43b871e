#!/usr/bin/env node
// Measures two master timings with real processes (run `npm run build` first):
//   1. kill -9 of a worker -> its replacement ready (the master's slot shows the new pid as ready)
//   2. `node app.mjs stop` -> exit, with 8 workers (and SIGTERM -> master gone, without the CLI's start-up)
// Usage: node scripts/measure-master.mjs [rounds=5]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { controlRequest } = await import(join(ROOT, 'dist/src/shared/control/client.js'));
const { isRunning } = await import(join(ROOT, 'dist/src/shared/pidfile.js'));
const rounds = Number(process.argv[2] ?? 5);

const dir = mkdtempSync(join(tmpdir(), 'wmts-measure-'));
mkdirSync(join(dir, 'node_modules'));
symlinkSync(ROOT, join(dir, 'node_modules', 'workerman-ts'), 'dir');
const script = join(dir, 'app.mjs');
writeFileSync(
  script,
  `import { Worker } from 'workerman-ts';
new Worker({ name: 'feed', count: 8 });
Worker.runAll();
`,
);
const pidFile = join(dir, 'workerman.app.mjs.pid');
const cli = (...args) => spawnSync(process.execPath, [script, ...args], { cwd: dir, encoding: 'utf8' });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const slotsOf = async (pid) => (await controlRequest(pid, 'ping')).slots;

try {
  const start = cli('start', '-d');
  if (start.status !== 0) throw new Error(start.stdout + start.stderr);
  let master = Number(readFileSync(pidFile, 'utf8'));
  const replaced = [];
  for (let i = 0; i < rounds; i++) {
    const id = i % 8;
    const victim = (await slotsOf(master)).find((s) => s.id === id).pid;
    const t0 = performance.now();
    process.kill(victim, 'SIGKILL');
    for (;;) {
      const slot = (await slotsOf(master)).find((s) => s.id === id);
      if (slot.state === 'ready' && slot.pid !== victim) break;
      await sleep(2);
    }
    replaced.push(performance.now() - t0);
    await sleep(200);
  }
  const stops = [];
  const signals = [];
  for (let i = 0; i < rounds; i++) {
    if (i > 0) {
      const again = cli('start', '-d');
      if (again.status !== 0) throw new Error(again.stdout + again.stderr);
    }
    master = Number(readFileSync(pidFile, 'utf8'));
    const workers = (await controlRequest(master, 'ping')).workers;
    if (i % 2 === 0) {
      const t0 = performance.now();
      const stop = cli('stop');
      if (stop.status !== 0) throw new Error(stop.stdout + stop.stderr);
      stops.push(performance.now() - t0);
    } else {
      const t0 = performance.now();
      process.kill(master, 'SIGTERM');
      while ([master, ...workers].some(isRunning)) await sleep(1);
      signals.push(performance.now() - t0);
    }
  }
  const fmt = (xs) =>
    `median ${median(xs).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;
  console.log(`machine: ${cpus().length} cores, Node ${process.version}`);
  console.log(`kill -9 worker -> replacement ready (8 workers):       ${fmt(replaced)}`);
  console.log(`"app.mjs stop" CLI start -> exit, 8 workers:           ${fmt(stops)}`);
  console.log(`SIGTERM -> master and 8 workers gone (no CLI):          ${fmt(signals)}`);
} finally {
  try {
    process.kill(-Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  } catch {
    // already gone
  }
  rmSync(dir, { recursive: true, force: true });
}
