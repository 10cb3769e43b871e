// Runtime#status() / #connections() / #metricsUrl in a host process: the same document as `status --json`,
// failed slots as rows, and nothing (sampler, metrics server) keeps the host alive after stop().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useAppDir, run } from '../helpers/processes.js';
import type { StatusReport } from '../../src/master/status/report.js';

const app = useAppDir();

// Slot feed#1 fails in onWorkerStart once the marker file exists: kill it and it is given up on.
app.write(
  'app.mjs',
  `import { Worker } from 'workerman-ts';
import { existsSync } from 'node:fs';
const w = new Worker({ name: 'feed', count: 2 });
w.onWorkerStart = (worker) => {
  if (worker.id === 1 && existsSync(new URL('./marker', import.meta.url))) throw new Error('config missing');
};
Worker.runAll();
`,
);

test('Runtime#status() shows real CPU, a failed slot as a row, /metrics works, and the host exits by itself', async () => {
  const host = app.write(
    'host.mjs',
    `import { Runtime } from 'workerman-ts';
import { writeFileSync } from 'node:fs';
const rt = await Runtime.start({ script: './app.mjs', metricsListen: '127.0.0.1:0' });
await new Promise((r) => setTimeout(r, 1500));
const first = await rt.status();
const connections = await rt.connections();
writeFileSync('./marker', '');
process.kill(first.workers[1].pid, 'SIGKILL');
let failed;
for (let i = 0; i < 300 && !failed; i++) {
  await new Promise((r) => setTimeout(r, 100));
  const s = await rt.status();
  if (s.workers[1].state === 'failed') failed = s;
}
const metrics = await (await fetch(rt.metricsUrl + '/metrics')).text();
const readyz = (await fetch(rt.metricsUrl + '/readyz')).status;
await rt.stop();
console.log(JSON.stringify({ first, connections, failed, metrics, readyz, urlAfterStop: rt.metricsUrl }));
`,
  );
  const p = run([host], { cwd: app.dir });
  const { code } = await p.exited(60_000); // exits by itself: no timer or server left referenced
  assert.equal(code, 0, p.output());
  const out = JSON.parse(p.output().trim().split('\n').pop()!) as {
    first: StatusReport;
    connections: { connections: unknown[]; busy: unknown[]; time: number };
    failed: StatusReport | undefined;
    metrics: string;
    readyz: number;
    urlAfterStop: string | null;
  };
  assert.equal(out.first.master.pid, p.child.pid);
  assert.equal(typeof out.first.master.cpu, 'number', 'CPU known at the first status after a period');
  assert.deepEqual(Object.keys(out.first.workers[0]!).slice(0, 8), [
    'pid',
    'name',
    'id',
    'state',
    'cpu',
    'memory',
    'heapUsed',
    'connections',
  ]);
  assert.ok(out.first.workers.every((w) => typeof w.cpu === 'number' && w.memory! > 0));
  assert.deepEqual(out.connections, { connections: [], busy: [], time: out.connections.time });
  assert.ok(out.failed, 'feed#1 became failed');
  const row = out.failed.workers.find((w) => w.id === 1)!;
  assert.equal(row.state, 'failed');
  assert.equal(row.pid, null);
  assert.match(row.lastError ?? '', /config missing/);
  assert.deepEqual(out.failed.definitions[0]!.failed, [1]);
  assert.equal(out.failed.totals.failed, 1);
  assert.match(out.metrics, /^workerman_worker_failed\{name="feed",id="1"\} 1$/m);
  assert.equal(out.readyz, 503);
  assert.equal(out.urlAfterStop, null);
});
