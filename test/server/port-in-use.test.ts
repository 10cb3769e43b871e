// A listen address whose port is taken fails `start` at once (not after 5 restart attempts: retrying cannot
// help), with the address and the pid that holds the port, exit 1, and no worker process left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { useAppDir, run } from '../helpers/processes.js';

const app = useAppDir();

for (const daemon of [false, true]) {
  test(
    `port in use: start${daemon ? ' -d' : ''} fails at once naming the address and the owning pid, exit 1`,
    { timeout: 30_000 },
    async () => {
      const holder = net.createServer();
      await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
      const port = (holder.address() as net.AddressInfo).port;
      try {
        const script = app.write(
          `taken${daemon ? '-d' : ''}.mjs`,
          `import { Worker } from 'workerman-ts';
const ws = new Worker('websocket://127.0.0.1:${port}', { name: 'ws', count: 3 });
ws.onWorkerStart = () => console.log('onWorkerStart in ' + process.pid);
Worker.runAll();
`,
        );
        const p = run([script, 'start', ...(daemon ? ['-d'] : [])], { cwd: app.dir });
        const { code } = await p.exited(20_000);
        const out = p.output();
        assert.equal(code, 1, out);
        assert.match(
          out,
          new RegExp(
            `cannot listen on websocket://127\\.0\\.0\\.1:${port}: address already in use \\(EADDRINUSE\\); the port is held by pid ${process.pid} \\(`,
          ),
        );
        assert.doesNotMatch(out, /times in a row/);
        // each slot started once, none was restarted
        for (const id of [0, 1, 2])
          assert.ok((out.match(new RegExp(`worker ws#${id} started`, 'g')) ?? []).length <= 1, out);
        const pids = [...out.matchAll(/onWorkerStart in (\d+)/g)].map((m) => Number(m[1]));
        for (const pid of pids) assert.throws(() => process.kill(pid, 0), /ESRCH/);
      } finally {
        await new Promise((r) => holder.close(r));
      }
    },
  );
}
