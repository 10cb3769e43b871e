// issue 13's "Done means": Workerman's websocket group chat and HTTP hello world, ported line for line
// (examples/workerman-chat.ts, examples/workerman-http.ts), run as a user runs them: `start -d`, a real
// client (the ws client, curl), `reload` while a client opens a new connection every 5 ms (none may be
// refused or reset), `stop` (every process gone, the port released).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, waitGone } from '../helpers/processes.js';
import { refusedPort } from '../helpers/servers.js';
import { curl, hammer, request, wsClient, wsOnce } from '../helpers/example-clients.js';
import { cli, ping, readPid, testApp } from '../master/cli-helpers.js';
import { sleep } from '../helpers/wait.js';

const example = (name: string) => readFileSync(join(ROOT, 'dist', 'examples', `${name}.js`), 'utf8');

/** start -d, then the pids of the master and its workers. */
async function startDaemon(script: string, pidFile: string, env: Record<string, string>) {
  const started = await cli(script, ['start', '-d'], env);
  assert.equal(started.code, 0, started.output);
  const master = readPid(pidFile)!;
  const { workers } = await ping(master);
  return { master, workers };
}

/** Through a whole `reload`, a new connection every 5 ms: every one accepted. */
async function reloadUnderLoad(script: string, env: Record<string, string>, attempt: () => Promise<void>) {
  const load = hammer(attempt, 5);
  await sleep(150);
  const reload = await cli(script, ['reload'], env);
  await sleep(150);
  const result = await load.stop();
  assert.equal(reload.code, 0, reload.output);
  assert.match(reload.output, /replaced/);
  assert.deepEqual(result.failures, [], `${result.failures.length} of ${result.attempts} connections failed`);
  assert.ok(result.ok >= 20, `connections made during the reload: ${result.ok}`);
  return result;
}

async function stopDaemon(script: string, env: Record<string, string>, pids: number[], port: number) {
  const stopped = await cli(script, ['stop'], env);
  assert.equal(stopped.code, 0, stopped.output);
  await waitGone(pids);
  await assert.rejects(
    request(`http://127.0.0.1:${port}/`, {}, 2000),
    /ECONNREFUSED/,
    'the port is released',
  );
}

test('Workerman chat server: start -d, two ws clients chat, reload with zero refused connections, stop', async () => {
  const t = testApp(example('workerman-chat'));
  const port = await refusedPort();
  const url = `ws://127.0.0.1:${port}`;
  const env = { CHAT_LISTEN: `websocket://127.0.0.1:${port}` };
  const { master, workers } = await startDaemon(t.script, t.pidFile, env);
  assert.equal(workers.length, 1); // the example's count = 1

  const alice = await wsClient(url);
  const bob = await wsClient(url);
  alice.ws.send('hello from alice');
  assert.equal(await bob.next('hello from alice'), 'hello from alice');
  assert.equal(await alice.next('hello from alice'), 'hello from alice'); // the sender too, as in Workerman

  const stats = await reloadUnderLoad(t.script, env, () => wsOnce(url));
  // The old process closed its clients as "going away"; the new one chats.
  await Promise.all([alice.close(), bob.close()]);
  const { workers: after } = await ping(master);
  assert.notDeepEqual(after, workers, 'the worker was replaced');
  await waitGone(workers);
  const carol = await wsClient(url);
  const dave = await wsClient(url);
  dave.ws.send('after the reload');
  await carol.next('after the reload');
  await Promise.all([carol.close(), dave.close()]);
  console.log(`chat: ${stats.ok} connections through the reload, none refused`);

  await stopDaemon(t.script, env, [master, ...after], port);
});

test('Workerman HTTP hello world: start -d, curl gets "hello world" from 4 workers, reload with zero refused connections, stop', async () => {
  const t = testApp(example('workerman-http'));
  const port = await refusedPort();
  const url = `http://127.0.0.1:${port}/`;
  const env = { HTTP_LISTEN: `http://127.0.0.1:${port}` };
  const { master, workers } = await startDaemon(t.script, t.pidFile, env);
  assert.equal(workers.length, 4); // the example's count = 4

  const answer = await curl([url]);
  assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/);
  assert.match(answer, /\r\n\r\nhello world$/);
  const head = await curl(['-X', 'POST', '-d', 'x=1', `${url}any/path?q=1`]);
  assert.match(head, /\r\n\r\nhello world$/);

  await reloadUnderLoad(t.script, env, async () => {
    const r = await request(url);
    if (r.status !== 200 || r.body !== 'hello world') throw new Error(`answer ${r.status} ${r.body}`);
  });
  const { workers: after } = await ping(master);
  assert.equal(after.filter((pid) => workers.includes(pid)).length, 0, 'all 4 workers replaced');
  assert.match(await curl([url]), /\r\n\r\nhello world$/);

  await stopDaemon(t.script, env, [master, ...after], port);
});
