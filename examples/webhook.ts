// An http:// webhook receiver with a health page: POST /webhook takes a JSON event and forwards it to an
// upstream websocket with AsyncTcpConnection (a bot that turns webhooks into messages); GET /health
// answers 200 while the upstream is open and 503 while it is not, with the counters as JSON.
// With WEBHOOK_SECRET set, a request must carry `X-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
// Run against the local demo server (it echoes what it gets):
//   node dist/examples/demo-server.js 8765 &
//   UPSTREAM_URL=ws://127.0.0.1:8765 node dist/examples/webhook.js start
//   curl -d '{"event":"push"}' http://127.0.0.1:8767/webhook; curl http://127.0.0.1:8767/health
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AsyncTcpConnection, Worker, type HttpRequest, type TcpConnection } from 'workerman-ts';

const upstreamUrl = process.env.UPSTREAM_URL ?? 'ws://127.0.0.1:8765';
const secret = process.env.WEBHOOK_SECRET ?? '';
const JSON_TYPE = { 'Content-Type': 'application/json' };

const hooks = new Worker(process.env.WEBHOOK_LISTEN ?? 'http://127.0.0.1:8767', {
  name: 'webhook',
  count: 2,
  maxPackageSize: 256 * 1024, // a larger body is answered 413 by the server and never reaches onMessage
});

let upstream: AsyncTcpConnection | null = null;
let forwarded = 0;
let rejected = 0;

hooks.onWorkerStart = () => {
  upstream = new AsyncTcpConnection(upstreamUrl, { reconnect: true });
  upstream.onMessage = (_conn, data) => console.log(`[webhook#${hooks.id}] upstream: ${String(data)}`);
  upstream.connect();
};

function reply(conn: TcpConnection, status: number, body: unknown): void {
  conn.send({ status, headers: JSON_TYPE, body: `${JSON.stringify(body)}\n` });
}

function signed(request: HttpRequest): boolean {
  if (!secret) return true;
  const given = String(request.headers['x-signature-256'] ?? '');
  const expected = `sha256=${createHmac('sha256', secret).update(request.body).digest('hex')}`;
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

hooks.onMessage = (conn, request: HttpRequest) => {
  if (request.path === '/health') {
    const up = upstream?.state === 'open';
    return reply(conn, up ? 200 : 503, {
      status: up ? 'ok' : 'upstream not connected',
      upstream: upstream?.state ?? 'none',
      worker: hooks.id,
      forwarded,
      rejected,
    });
  }
  if (request.path !== '/webhook') return reply(conn, 404, { error: 'not found' });
  if (request.method !== 'POST') return reply(conn, 405, { error: 'POST only' });
  if (!signed(request)) {
    rejected++;
    return reply(conn, 401, { error: 'bad signature' });
  }
  let event: unknown;
  try {
    event = request.json();
  } catch {
    rejected++;
    return reply(conn, 400, { error: 'the body is not JSON' });
  }
  // true: sent; null: queued until the upstream is back (bounded); false: dropped (queue full).
  const sent = upstream?.send(JSON.stringify({ webhook: event })) ?? false;
  if (sent === false) return reply(conn, 503, { error: 'upstream unavailable, retry later' });
  forwarded++;
  reply(conn, 202, { accepted: true, queued: sent === null });
};

Worker.runAll();
