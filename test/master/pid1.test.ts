// The master as PID 1 of a new PID namespace (what it is in a container without an init), with
// `unshare --pid --fork --mount-proc`: SIGTERM from outside stops it with exit code 0, a failed start exits
// 1, and the warning about orphans is printed. Node cannot reap processes it did not spawn (libuv waits
// only for its own children), so the orphan of a worker's child stays a zombie under a bare Node PID 1 and
// is reaped under tini, which docs/deployment.md puts in front of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { useAppDir } from '../helpers/processes.js';
import { eventually } from './cli-helpers.js';

const app = useAppDir();
const script = app.write(
  'app.mjs',
  `import { Worker } from 'workerman-ts';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
Worker.stopTimeout = 3;
const w = new Worker({ name: 'feed', count: 2 });
const zombies = () => readdirSync('/proc').filter((p) => /^\\d+$/.test(p)).filter((p) => {
  try { return readFileSync('/proc/' + p + '/stat', 'utf8').replace(/^.*\\) /, '').startsWith('Z'); } catch { return false; }
}).length;
w.onWorkerStart = (worker) => {
  if (process.env.BROKEN) throw new Error('broken on purpose');
  console.log('worker ' + worker.id + ' ppid=' + process.ppid);
  if (worker.id !== 0) return;
  // sh exits at once (we reap it); its background sleep is orphaned and exits 100 ms later
  spawn('sh', ['-c', 'sleep 0.1 & exit 0'], { stdio: 'ignore' });
  setTimeout(() => console.log('zombies=' + zombies()), 1500);
};
Worker.runAll();
`,
);

const canUnshare =
  spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true'], { timeout: 10_000 }).status === 0;
const hasTini = spawnSync('tini', ['--version']).status === 0;

function inNamespace(command: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn('unshare', ['--pid', '--fork', '--kill-child', '--mount-proc', ...command], {
    cwd: dirname(script),
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    output: () => output,
    exited,
    /** The host pid of the namespace's PID 1 (unshare's only child). */
    pid1(): number {
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
      return Number(children.split(' ')[0]);
    },
    kill: () => child.kill('SIGKILL'),
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>(
      (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} after ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(timer));
}

const skip = canUnshare ? false : 'unshare --pid --fork --mount-proc is not permitted here (needs root)';

test(
  'bare Node as PID 1: SIGTERM stops it with exit 0; orphans are not reaped, and it says so',
  { skip },
  async () => {
    const ns = inNamespace([process.execPath, script, 'start']);
    try {
      await eventually(() => /zombies=\d+/.test(ns.output()), 15_000, 'the zombie count');
      const out = ns.output();
      assert.match(out, /master pid 1 starting app\.mjs \(foreground\)/);
      assert.match(out, /worker 0 ppid=1/);
      assert.match(out, /running as PID 1: orphaned processes are not reaped/);
      assert.match(out, /zombies=1/, 'documented limitation: Node does not reap an orphan');
      process.kill(ns.pid1(), 'SIGTERM');
      assert.equal(await withTimeout(ns.exited, 15_000, 'no exit'), 0, ns.output());
      assert.match(ns.output(), /SIGTERM received: stopping[^]*master pid 1 stopped/);
    } finally {
      ns.kill();
    }
  },
);

test(
  'under tini as PID 1: orphans are reaped, SIGTERM is forwarded, exit 0',
  {
    skip: skip || (hasTini ? false : 'tini is not installed (apt-get install tini)'),
  },
  async () => {
    const ns = inNamespace(['tini', '--', process.execPath, script, 'start']);
    try {
      await eventually(() => /zombies=\d+/.test(ns.output()), 15_000, 'the zombie count');
      assert.match(ns.output(), /zombies=0/);
      assert.doesNotMatch(ns.output(), /running as PID 1/);
      process.kill(ns.pid1(), 'SIGTERM'); // what docker stop / the kubelet send to PID 1
      assert.equal(await withTimeout(ns.exited, 15_000, 'no exit'), 0, ns.output());
      assert.match(ns.output(), /SIGTERM received: stopping/);
    } finally {
      ns.kill();
    }
  },
);

test('a start that fails exits 1 as PID 1, bare and under tini', { skip }, async () => {
  for (const command of [[], ...(hasTini ? [['tini', '--']] : [])]) {
    const ns = inNamespace([...command, process.execPath, script, 'start'], { BROKEN: '1' });
    try {
      assert.equal(await withTimeout(ns.exited, 30_000, 'no exit'), 1, ns.output());
      assert.match(ns.output(), /start failed: worker feed#\d failed to start 5 times in a row/);
    } finally {
      ns.kill();
    }
  }
});
