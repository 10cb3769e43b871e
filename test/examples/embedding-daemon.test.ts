// docs/embedding.md's complete example as a real process: start, reload on a file change, stop on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, useAppDir, run, waitGone } from '../helpers/processes.js';

const app = useAppDir();

test('the embedding daemon reloads its workers when the script changes and exits by itself on SIGTERM', async () => {
  const script = app.write(
    'app.mjs',
    `import { Worker } from 'workerman-ts';
const w = new Worker({ name: 'feed', count: 2 });
w.onWorkerStart = (worker) => console.log('feed ' + worker.id + ' up in ' + process.pid);
Worker.runAll();
`,
  );
  const daemon = run([join(ROOT, 'dist', 'examples', 'embedding-daemon.js'), script], { cwd: app.dir });
  const started = await daemon.waitFor(/started feed#0 pid (\d+), feed#1 pid (\d+)/, 15_000);
  appendFileSync(script, '// changed\n');
  await daemon.waitFor('reloaded feed#0, feed#1', 15_000);
  daemon.child.kill('SIGTERM');
  const { code } = await daemon.exited(15_000);
  assert.equal(code, 0, daemon.output());
  assert.match(daemon.output(), /SIGTERM: stopping\n(?:worker .*\n)*stopped\n/);
  const pids = [...daemon.output().matchAll(/up in (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(pids.length, 4); // two at start, two replacements
  assert.ok(pids.includes(Number(started[1])));
  await waitGone(pids);
});
