// `worker start app.ts`: a TypeScript start script runs through the user's tsx, in the master and in
// every worker; without tsx (on a Node that cannot strip types) a message says what to install.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, killAll, makeAppDir, ROOT, run } from '../helpers/processes.js';
import { killGroup, readPid, readText } from './cli-helpers.js';

const source = `import { Worker } from 'workerman-ts';
Worker.stdoutFile = __dirname + '/out.log';
const w: Worker = new Worker({ name: 'typed', count: 2 });
w.onWorkerStart = (worker: Worker): void => {
  const id: number = worker.id;
  console.log(\`typed worker \${id} ready\`);
};
Worker.runAll();
`;

const withTsx = makeAppDir();
symlinkSync(join(ROOT, 'node_modules', 'tsx'), join(withTsx.dir, 'node_modules', 'tsx'), 'dir');
const withoutTsx = makeAppDir();
after(() => {
  killGroup(readPid(join(withTsx.dir, 'workerman.app.ts.pid')));
  killAll();
  withTsx.remove();
  withoutTsx.remove();
});

async function worker(dir: string, args: string[]) {
  const p = run([BIN, ...args], { cwd: dir });
  const { code } = await p.exited(30_000);
  return { code, output: p.output() };
}

test('worker start app.ts -d runs master and workers through tsx; worker stop app.ts stops it', async () => {
  const script = withTsx.write('app.ts', source);
  const start = await worker(withTsx.dir, ['start', script, '-d']);
  assert.equal(start.code, 0, start.output);
  assert.match(start.output, /started as a daemon, pid \d+, 2 workers ready/);
  assert.match(start.output, /run "npx worker stop app\.ts" to stop it/);
  const out = readText(join(withTsx.dir, 'out.log'));
  assert.match(out, /typed worker 0 ready/);
  assert.match(out, /typed worker 1 ready/);
  const stop = await worker(withTsx.dir, ['stop', 'app.ts']);
  assert.equal(stop.code, 0, stop.output);
  assert.match(stop.output, /stopped \(master pid \d+ and 2 workers\)/);
});

test('without tsx, worker start app.ts says what to install and exits 1', async () => {
  withoutTsx.write('app.ts', source);
  const start = await worker(withoutTsx.dir, ['start', 'app.ts']);
  assert.equal(start.code, 1);
  assert.match(
    start.output,
    /app\.ts is TypeScript.*\nInstall tsx in your project \(npm install --save-dev tsx\)/,
  );
});
