// examples/relay.ts (a feed fanned out to the websocket clients of every worker through Channel) and
// examples/webhook.ts (webhooks forwarded upstream, a health page), each against a local server.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { ROOT, run, killAll } from '../helpers/processes.js';
import { refusedPort, startWsServer } from '../helpers/servers.js';
import { request, wsClient } from '../helpers/example-clients.js';
import { waitFor } from '../helpers/wait.js';
import { startDemoServer } from '../../examples/demo-server.js';

after(() => killAll());

test('relay: the feed arrives in one process and reaches clients on both fanout workers, every tick in order', async () => {
  const feed = await startDemoServer(0, 50);
  const port = await refusedPort();
  const app = run([join(ROOT, 'dist', 'examples', 'relay.js'), 'start'], {
    env: { FEED_URL: feed.url, RELAY_LISTEN: `websocket://127.0.0.1:${port}`, RELAY_COUNT: '2' },
  });
  try {
    await app.waitFor(/3 workers ready/, 15_000);
    const clients = await Promise.all([1, 2, 3, 4].map(() => wsClient(`ws://127.0.0.1:${port}`)));
    const welcomes = await Promise.all(clients.map((c) => c.next(/^relaying /)));
    const served = new Set(welcomes.map((w) => /fanout#(\d)/.exec(w)![1]));
    assert.deepEqual([...served].sort(), ['0', '1'], `clients on both workers: ${welcomes.join(' | ')}`);
    for (const c of clients) {
      const ticks = () => c.received.filter((m) => m.startsWith('tick ')).map((m) => Number(m.slice(5)));
      await waitFor(() => ticks().length >= 10, '10 ticks on every client', 10_000);
      const list = ticks();
      assert.ok(
        list.every((n, i) => i === 0 || n === list[i - 1]! + 1),
        `ticks in order without holes: ${list.join(',')}`,
      );
    }
    await Promise.all(clients.map((c) => c.close()));
    app.child.kill('SIGTERM');
    assert.equal((await app.exited()).code, 0);
  } finally {
    await feed.close();
  }
});

test('webhook: signed JSON is forwarded upstream (202), bad requests get 400/401/404/405/413, /health follows the upstream', async () => {
  const upstream = await startWsServer();
  const port = await refusedPort();
  const base = `http://127.0.0.1:${port}`;
  const secret = 's3cret';
  const sign = (body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  const app = run([join(ROOT, 'dist', 'examples', 'webhook.js'), 'start'], {
    env: { UPSTREAM_URL: upstream.url, WEBHOOK_LISTEN: `http://127.0.0.1:${port}`, WEBHOOK_SECRET: secret },
  });
  try {
    await app.waitFor(/2 workers ready/, 15_000);
    await waitFor(() => upstream.sockets.size === 2, 'both workers connected upstream', 10_000);
    const health = await request(`${base}/health`);
    assert.equal(health.status, 200, health.body);
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');

    const body = JSON.stringify({ event: 'push', ref: 'main' });
    const ok = await request(`${base}/webhook`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-signature-256': sign(body) },
    });
    assert.equal(ok.status, 202, ok.body);
    await waitFor(() => upstream.received.length === 1, 'the event upstream');
    assert.deepEqual(JSON.parse(upstream.received[0]!.data), { webhook: { event: 'push', ref: 'main' } });

    const unsigned = await request(`${base}/webhook`, { method: 'POST', body });
    assert.equal(unsigned.status, 401);
    const notJson = await request(`${base}/webhook`, {
      method: 'POST',
      body: 'nope',
      headers: { 'x-signature-256': sign('nope') },
    });
    assert.equal(notJson.status, 400);
    assert.equal((await request(`${base}/webhook`)).status, 405);
    assert.equal((await request(`${base}/elsewhere`)).status, 404);
    const big = 'x'.repeat(300 * 1024);
    const tooBig = await request(`${base}/webhook`, {
      method: 'POST',
      body: big,
      headers: { 'x-signature-256': sign(big) },
    }).catch((err: Error) => ({ status: 0, body: err.message }));
    assert.ok(tooBig.status === 413 || tooBig.status === 0, `oversized body refused: ${tooBig.status}`);
    assert.equal(upstream.received.length, 1, 'nothing else went upstream');

    await upstream.close();
    let down = await request(`${base}/health`);
    for (let i = 0; i < 100 && down.status !== 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      down = await request(`${base}/health`);
    }
    assert.equal(down.status, 503, down.body);
    app.child.kill('SIGTERM');
    assert.equal((await app.exited()).code, 0);
  } finally {
    await upstream.close();
  }
});
