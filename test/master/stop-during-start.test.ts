// A stop signal (Ctrl+C, SIGTERM) while the workers are still starting: a clean stop, exit 0,
// nothing restarted, nothing left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run, waitGone } from '../helpers/processes.js';

const app = useAppDir();

test('SIGTERM while onWorkerStart still runs stops everything cleanly with exit 0', async () => {
  const script = app.write(
    'slow.mjs',
    `import { Worker } from 'workerman-ts';
const w = new Worker({ name: 'slow', count: 2 });
w.onWorkerStart = () => new Promise((r) => setTimeout(r, 5000));
Worker.runAll();
`,
  );
  const master = run([script, 'start'], { cwd: app.dir });
  await master.waitFor(/slow#1 started, pid \d+/);
  const pids = [...master.output().matchAll(/started, pid (\d+)/g)].map((m) => Number(m[1]));
  master.child.kill('SIGTERM');
  const { code } = await master.exited(10_000);
  assert.equal(code, 0, master.output());
  assert.match(master.output(), /stopped while starting/);
  assert.doesNotMatch(master.output(), /replacing it|Start success|start failed/);
  await waitGone(pids);
});
