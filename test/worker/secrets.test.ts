// Secrets never leave a worker in what the runtime prints: URL credentials and query values, Cookie,
// Authorization, Sec-WebSocket-Protocol tokens and the names in AsyncTcpConnection.secretHeaders are absent
// from status, connections, the log file, crash output and start failures. TLS verification off is said
// once per worker process.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { redact, rememberHeaderSecrets } from '../../src/connection/secrets.js';
import { startWsServer, refusedPort, type WsServer } from '../helpers/servers.js';
import { cli, eventually, readText, testApp } from '../master/cli-helpers.js';

const SECRETS = [
  'PaSsWoRd-1',
  'TOKEN-QUERY-2',
  'PLAINQ-3',
  'COOKIE-VALUE-4',
  'AUTH-TOKEN-5',
  'PROTO-TOKEN-6',
  'API-KEY-7',
];

const { app, script, logFile } = testApp(`import { Worker, AsyncTcpConnection } from 'workerman-ts';
Worker.stdoutFile = new URL('out.log', import.meta.url).pathname;
AsyncTcpConnection.secretHeaders = ['X-Api-Key'];
const url = process.env.FEED_URL;
const w = new Worker({ name: 'feed', count: 1 });
w.onWorkerStart = () => {
  const c = new AsyncTcpConnection(url);
  c.headers = {
    Cookie: 'sid=COOKIE-VALUE-4; theme=dark',
    Authorization: 'Bearer AUTH-TOKEN-5',
    'Sec-WebSocket-Protocol': 'chat, PROTO-TOKEN-6',
    'X-Api-Key': 'API-KEY-7',
  };
  c.onWebSocketConnect = () => console.log('connected');
  c.onMessage = (conn, data) => {
    if (data === 'crash') throw new Error('feed ' + url + ' failed with ' + JSON.stringify(c.headers));
  };
  c.onClose = () => c.reConnect(0.2);
  c.connect();
  if (process.env.CASE === 'start') throw new Error('cannot start ' + url + ' with key API-KEY-7');
};
Worker.runAll();
`);

let server: WsServer;
after(async () => server?.close());

function assertClean(where: string, text: string): void {
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `${where} shows ${secret}:\n${text}`);
}

test('status, connections, the log file and crash output name no secret', async () => {
  server = await startWsServer({ handleProtocols: () => false });
  const url = `ws://alice:PaSsWoRd-1@127.0.0.1:${server.port}/feed?token=TOKEN-QUERY-2&plain=PLAINQ-3`;
  const env = { FEED_URL: url };
  const started = await cli(script, ['start', '-d'], env);
  assert.equal(started.code, 0, started.output);
  await eventually(() => server.sockets.size === 1, 10_000, 'the worker to connect');
  // The secrets did go out, where they belong: the upgrade request.
  const request = server.requests[0]!;
  assert.equal(request.cookie, 'sid=COOKIE-VALUE-4; theme=dark');
  assert.equal(request.authorization, 'Bearer AUTH-TOKEN-5');
  assert.equal(request['x-api-key'], 'API-KEY-7');

  for (const args of [['status', '--json'], ['status'], ['connections', '--json'], ['connections']]) {
    const { code, output } = await cli(script, args, env);
    assert.equal(code, 0, output);
    assertClean(args.join(' '), output);
  }
  const connections = JSON.parse((await cli(script, ['connections', '--json'], env)).output) as {
    connections: { url: string }[];
  };
  assert.equal(connections.connections[0]!.url, `ws://***@127.0.0.1:${server.port}/feed?token=***&plain=***`);

  // A crash whose error message carries the URL and every header value.
  for (const s of server.sockets) s.send('crash');
  await eventually(() => server.requests.length === 2, 15_000, 'the replacement to connect');
  const out = readText(join(app.dir, 'out.log'));
  assert.match(
    out,
    /uncaught exception: Error: feed ws:\/\/\*\*\*@127\.0\.0\.1:\d+\/feed\?token=\*\*\*&plain=\*\*\* failed with/,
  );
  assert.match(out, /"Cookie":"\*\*\*"/);
  assertClean('crash output', out);
  const status = await cli(script, ['status', '--json'], env);
  assertClean('status after the crash', status.output);
  assert.match(status.output, /uncaught exception/);

  const stop = await cli(script, ['stop'], env);
  assert.equal(stop.code, 0, stop.output);
  assertClean('the log file', readText(logFile));
});

test('a start failure whose error names the URL and a secret header value: masked everywhere', async () => {
  const url = `ws://alice:PaSsWoRd-1@127.0.0.1:${server.port}/feed?token=TOKEN-QUERY-2&plain=PLAINQ-3`;
  const { code, output } = await cli(script, ['start'], { FEED_URL: url, CASE: 'start' });
  assert.equal(code, 1, output);
  assert.match(
    output,
    /cannot start ws:\/\/\*\*\*@127\.0\.0\.1:\d+\/feed\?token=\*\*\*&plain=\*\*\* with key \*\*\*/,
  );
  assertClean('start failure', output);
  assertClean('the log file', readText(logFile));
});

test('rejectUnauthorized: false is said once per worker process, however many connections', async () => {
  const port = await refusedPort();
  const tlsApp = app.write(
    'tls.mjs',
    `import { Worker, AsyncTcpConnection } from 'workerman-ts';
Worker.stdoutFile = new URL('tls-out.log', import.meta.url).pathname;
const w = new Worker({ name: 'lax', count: 2 });
w.onWorkerStart = () => {
  for (let i = 0; i < 3; i++) {
    const c = new AsyncTcpConnection('wss://127.0.0.1:${port}/?key=SECRET-KEY-8', { tls: { rejectUnauthorized: false } });
    c.onError = () => {};
    c.onClose = () => c.reConnect(0.1);
    c.connect();
  }
  const safe = new AsyncTcpConnection('wss://127.0.0.1:${port}/');
  safe.onError = () => {};
  safe.connect();
  setTimeout(() => console.log('reconnected a few times ' + process.pid), 500);
};
Worker.runAll();
`,
  );
  const started = await cli(tlsApp, ['start', '-d']);
  assert.equal(started.code, 0, started.output);
  const out = () => readText(join(app.dir, 'tls-out.log'));
  try {
    await eventually(() => out().match(/reconnected a few times/g)?.length === 2, 10_000, 'both workers');
  } finally {
    assert.equal((await cli(tlsApp, ['stop'])).code, 0);
  }
  const warnings = out().match(/TLS certificate verification is off/g) ?? [];
  assert.equal(warnings.length, 2, out());
  assert.match(
    out(),
    /\[workerman-ts\] worker lax#[01] \(pid \d+\): TLS certificate verification is off \(tls\.rejectUnauthorized = false\) for wss:\/\/127\.0\.0\.1:\d+\/\?key=\*\*\* and every other connection of this process/,
  );
  assert.ok(!out().includes('SECRET-KEY-8'));
});

test('redact() masks URL credentials, query values and remembered header values', () => {
  rememberHeaderSecrets({ Cookie: 'a=short; session=0123456789abcdef', Accept: 'text/plain-visible' });
  assert.equal(
    redact('GET wss://u:p@h:1/x?a=1&b=two failed; session 0123456789abcdef expired'),
    'GET wss://***@h:1/x?a=***&b=*** failed; session *** expired',
  );
  assert.equal(redact('accept text/plain-visible'), 'accept text/plain-visible', 'only secret headers');
  assert.equal(redact('no url here'), 'no url here');
});

test('accepted websocket clients: their secret headers and query values are masked in crash output', async () => {
  const port = await refusedPort();
  const serverApp = app.write(
    'server.mjs',
    `import { Worker } from 'workerman-ts';
Worker.stdoutFile = new URL('server-out.log', import.meta.url).pathname;
const w = new Worker('websocket://127.0.0.1:${port}', { name: 'srv', count: 1 });
w.onWebSocketConnect = (conn, request) => { conn.seen = request.url + ' ' + request.headers.cookie + ' ' + request.headers.authorization; };
w.onMessage = (conn) => { throw new Error('client ' + conn.seen + ' misbehaved'); };
Worker.runAll();
`,
  );
  const started = await cli(serverApp, ['start', '-d']);
  assert.equal(started.code, 0, started.output);
  try {
    const { WebSocket } = await import('ws');
    const client = new WebSocket(`ws://127.0.0.1:${port}/room?token=CLIENT-TOKEN-9`, {
      headers: { Cookie: 'sid=CLIENT-COOKIE-10', Authorization: 'Bearer CLIENT-AUTH-11' },
    });
    await new Promise<void>((resolve, reject) => client.once('open', resolve).once('error', reject));
    client.send('boom');
    await new Promise<void>((resolve) => client.once('close', () => resolve()));
    const out = () => readText(join(app.dir, 'server-out.log'));
    await eventually(() => out().includes('uncaught exception'), 10_000, 'the crash');
    assert.match(out(), /client \/room\?token=\*\*\* \*\*\* \*\*\* misbehaved/);
    for (const secret of ['CLIENT-TOKEN-9', 'CLIENT-COOKIE-10', 'CLIENT-AUTH-11'])
      assert.ok(!out().includes(secret), `${secret} in:\n${out()}`);
  } finally {
    assert.equal((await cli(serverApp, ['stop'])).code, 0);
  }
});
