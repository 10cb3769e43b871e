// Listen addresses and listen options: every mistake is a ConfigError with a sentence, in the constructor
// and (for properties set later) when start checks the definitions, before any process is forked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListenAddress, nodeHasReusePort } from '../../src/connection/server/address.js';
import { Worker } from '../../src/index.js';
import { useAppDir, run } from '../helpers/processes.js';

const app = useAppDir();

test('parseListenAddress: schemes, hosts, ports', () => {
  assert.deepEqual(parseListenAddress('websocket://0.0.0.0:2346'), {
    scheme: 'websocket',
    host: '0.0.0.0',
    port: 2346,
    display: 'websocket://0.0.0.0:2346',
  });
  assert.equal(parseListenAddress('HTTP://[::1]:80').host, '::1');
  assert.equal(parseListenAddress('tcp://localhost:0').port, 0);
  for (const s of ['text', 'frame', 'tcp', 'http'])
    assert.equal(parseListenAddress(`${s}://127.0.0.1:1`).scheme, s);
});

test('parseListenAddress: the mistakes, each with a sentence', () => {
  assert.throws(() => parseListenAddress('ws://0.0.0.0:8080'), {
    name: 'ConfigError',
    message: /ws:\/\/ is a client scheme .*websocket server listens on websocket:\/\/0\.0\.0\.0:8080/,
  });
  assert.throws(() => parseListenAddress('wss://0.0.0.0:443'), /TLS servers are not supported/);
  assert.throws(
    () => parseListenAddress('udp://0.0.0.0:53'),
    /unknown listen scheme "udp:\/\/".*websocket:\/\/, http:\/\//,
  );
  assert.throws(() => parseListenAddress('https://0.0.0.0:443'), /TLS servers are not supported/);
  assert.throws(() => parseListenAddress('tcp://0.0.0.0'), /needs a port \(e\.g\. tcp:\/\/0\.0\.0\.0:2346\)/);
  assert.throws(() => parseListenAddress('tcp://0.0.0.0:70000'), /port 70000 out of range/);
  assert.throws(() => parseListenAddress('tcp://:80'), /no host/);
  assert.throws(() => parseListenAddress('0.0.0.0:80'), /malformed listen address/);
  assert.throws(() => parseListenAddress(''), /must be a string/);
});

test('nodeHasReusePort: Node 22.12+ and 23.1+', () => {
  assert.equal(nodeHasReusePort('20.20.2'), false);
  assert.equal(nodeHasReusePort('22.11.0'), false);
  assert.equal(nodeHasReusePort('22.12.0'), true);
  assert.equal(nodeHasReusePort('23.0.0'), false);
  assert.equal(nodeHasReusePort('23.1.0'), true);
  assert.equal(nodeHasReusePort('24.0.0'), true);
});

test('Worker constructor: listen as first argument or option; bad options name the Worker', () => {
  const a = new Worker('text://127.0.0.1:1', { name: 'a', count: 2 });
  assert.equal(a.listen, 'text://127.0.0.1:1');
  assert.equal(a.count, 2);
  assert.equal(new Worker({ listen: 'tcp://127.0.0.1:1' }).listen, 'tcp://127.0.0.1:1');
  assert.throws(() => new Worker('tcp://127.0.0.1:1', { name: 'b', maxConnections: 0 }), {
    name: 'ConfigError',
    message: /Worker "b": maxConnections must be a whole number > 0, got 0/,
  });
  assert.throws(
    () => new Worker('tcp://127.0.0.1:1', { name: 'c', idleTimeout: -1 }),
    /idleTimeout must be a number of seconds >= 0/,
  );
  assert.throws(
    () => new Worker({ listen: 'ws://127.0.0.1:1', name: 'd' }),
    /Worker "d": "ws:\/\/127\.0\.0\.1:1": ws:\/\/ is a client scheme/,
  );
  if (!nodeHasReusePort()) {
    assert.throws(() => new Worker('tcp://127.0.0.1:1', { name: 'e', reusePort: true }), {
      name: 'ConfigError',
      message: new RegExp(
        `Worker "e": reusePort needs Node\\.js 22\\.12\\+ or 23\\.1\\+ .*this is Node\\.js ${process.versions.node.replaceAll('.', '\\.')}`,
      ),
    });
  }
  Worker.takeDefinitions();
});

test(
  'a listen option set after the constructor fails start at once, in the master, before any worker starts',
  { timeout: 30_000 },
  async () => {
    const script = app.write(
      'late.mjs',
      `import { Worker } from 'workerman-ts';
const w = new Worker({ name: 'late', count: 2 });
w.listen = 'ws://127.0.0.1:2346';
w.onWorkerStart = () => console.log('onWorkerStart ran');
Worker.runAll();
`,
    );
    const p = run([script, 'start'], { cwd: app.dir });
    const { code } = await p.exited(20_000);
    assert.equal(code, 1);
    assert.match(
      p.output(),
      /start failed: Worker "late": "ws:\/\/127\.0\.0\.1:2346": ws:\/\/ is a client scheme .*websocket:\/\/127\.0\.0\.1:2346/,
    );
    assert.doesNotMatch(p.output(), /onWorkerStart ran|started, pid/);
  },
);
