// ws:// through an HTTP CONNECT proxy, chosen from HTTP_PROXY / NO_PROXY or the proxy option.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncTcpConnection, ConnectionError } from '../../src/connection/index.js';
import { startWsServer } from '../helpers/servers.js';
import { startConnectProxy } from '../helpers/proxy.js';
import { record } from '../helpers/record.js';
import { waitFor } from '../helpers/wait.js';

after(() => AsyncTcpConnection.closeAll());

/** Runs `fn` with environment variables set, restoring them afterwards. */
async function withEnv(vars: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    await fn();
  } finally {
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

test(
  'HTTP_PROXY is honoured for ws:// (CONNECT with credentials); NO_PROXY exempts a host',
  { timeout: 15000 },
  async () => {
    const srv = await startWsServer({}, (s) => s.send('via-proxy'));
    const proxy = await startConnectProxy();
    try {
      await withEnv(
        { HTTP_PROXY: `http://bob:s3cret@127.0.0.1:${proxy.port}`, NO_PROXY: 'example.com' },
        async () => {
          const conn = new AsyncTcpConnection(srv.url);
          const r = record(conn);
          conn.connect();
          await waitFor(() => r.messages.length === 1, 'message through the tunnel');
          assert.deepEqual(proxy.targets, [`127.0.0.1:${srv.port}`]);
          assert.equal(proxy.auths[0], 'Basic ' + Buffer.from('bob:s3cret').toString('base64'));
          assert.deepEqual(r.events, ['connect', 'open', 'message']);
          conn.destroy();
        },
      );
      await withEnv({ HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, async () => {
        const conn = new AsyncTcpConnection(srv.url);
        const r = record(conn);
        conn.connect();
        await waitFor(() => r.messages.length === 1, 'direct message');
        assert.equal(proxy.targets.length, 1);
        conn.destroy();
      });
    } finally {
      await proxy.close();
      await srv.close();
    }
  },
);

test(
  'proxy that refuses the tunnel: onError(PROXY_FAIL) without the credentials, then onClose',
  { timeout: 15000 },
  async () => {
    const proxy = await startConnectProxy();
    try {
      const conn = new AsyncTcpConnection('ws://10.255.255.1:80/', {
        proxy: `http://bob:s3cret@127.0.0.1:${proxy.port}`,
      });
      const r = record(conn);
      conn.connect();
      await waitFor(() => r.closes === 1, 'close');
      assert.deepEqual(r.events, [`error:${ConnectionError.PROXY_FAIL}`, 'close']);
      assert.match(r.errors[0]!.message, /HTTP 403/);
      assert.doesNotMatch(r.errors[0]!.message, /s3cret|bob/);
      assert.deepEqual(proxy.targets, ['10.255.255.1:80']);
    } finally {
      await proxy.close();
    }
  },
);

test(
  'proxy that never answers CONNECT: CONNECT_TIMEOUT, and the tunnel socket is closed',
  { timeout: 15000 },
  async () => {
    const { startSilentServer } = await import('../helpers/servers.js');
    const silent = await startSilentServer();
    try {
      for (const url of ['ws://127.0.0.1:1/', 'tcp://127.0.0.1:1']) {
        const conn = new AsyncTcpConnection(url, {
          proxy: `http://127.0.0.1:${silent.port}`,
          connectTimeout: 0.3,
        });
        const r = record(conn);
        conn.connect();
        await waitFor(() => r.closes === 1, `close of ${url}`);
        assert.deepEqual(r.events, [`error:${ConnectionError.CONNECT_TIMEOUT}`, 'close']);
        await waitFor(() => silent.sockets.size === 0, 'proxy side closed', 2000);
      }
    } finally {
      await silent.close();
    }
  },
);
