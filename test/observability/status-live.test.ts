// `status -d`: the table refreshed in place every second until Ctrl-C, then exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run } from '../helpers/processes.js';

const app = useAppDir();

test('status -d redraws every second and ends with exit 0 on SIGINT', async () => {
  const script = app.write(
    'app.mjs',
    `import { Worker } from 'workerman-ts';
new Worker({ name: 'feed', count: 2 });
Worker.runAll();
`,
  );
  const master = run([script, 'start'], { cwd: app.dir });
  await master.waitFor('Start success', 20_000);
  const live = run([script, 'status', '-d'], { cwd: app.dir });
  await live.waitFor(/Press Ctrl\+C to quit\.[\s\S]*Press Ctrl\+C to quit\./, 15_000);
  assert.doesNotMatch(live.output(), /\x1b\[/, 'no clear-screen or colour codes when stdout is not a TTY');
  const frames = live
    .output()
    .split('Press Ctrl+C to quit.')
    .filter((frame) => frame.trim());
  assert.ok(frames.length >= 2, 'redrawn at least twice');
  for (const frame of frames) assert.match(frame, /feed#0[\s\S]*feed#1/);
  live.child.kill('SIGINT');
  assert.equal((await live.exited()).code, 0);
  master.child.kill('SIGTERM');
  assert.equal((await master.exited()).code, 0);
});
