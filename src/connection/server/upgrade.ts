// websocket://: one upgrade request from arrival to an open connection. onConnect, then
// onWebSocketConnect(conn, request) (which may refuse with an HTTP status, also from a promise), then
// `ws` answers the handshake. Requests that are not websocket handshakes are refused with 400 and onError.
import { rememberRequestSecrets } from '../secrets.js';
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket, WebSocketServer } from 'ws';
import { ConnectionError, fault } from '../errors.js';
import { rethrowLater } from '../registry.js';
import { Ws } from '../protocol/ws.js';
import type { AcceptingServer } from './accepted.js';
import { TcpConnection } from './TcpConnection.js';
import { ServerWsLink } from './ws-link.js';

function ignore(): void {}

const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** Why `req` is not a websocket handshake `ws` would accept, or null. */
function badHandshake(req: IncomingMessage): string | null {
  if (req.method !== 'GET') return `method ${req.method ?? '?'} (a handshake is a GET)`;
  if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') return 'no "Upgrade: websocket" header';
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key)) return 'missing or invalid Sec-WebSocket-Key header';
  const version = req.headers['sec-websocket-version'];
  if (version !== '13' && version !== '8') return `unsupported Sec-WebSocket-Version ${version ?? '(none)'}`;
  return null;
}

/** Writes a bare HTTP answer on a socket that has not been upgraded, then ends it. */
export function answerAndEnd(socket: Socket, status: number, text = ''): void {
  if (!socket.writable) return void socket.destroy();
  const body = text === '' ? '' : text + '\n';
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 2000).unref();
}

/** The status a handler's return value refuses the handshake with, or 0 to accept. */
function refusal(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599 ? value : 0;
}

/** Handles one upgrade request on a websocket:// server. */
export function upgrade(
  server: AcceptingServer,
  wss: WebSocketServer,
  req: IncomingMessage,
  socket: Socket,
  head: Buffer,
): void {
  socket.on('error', ignore); // node:http gave the socket up with the upgrade: a reset now only closes it
  const conn = new TcpConnection(server, socket, 'handshaking');
  const bad = badHandshake(req);
  if (bad !== null) {
    answerAndEnd(socket, 400, 'bad websocket handshake');
    return conn._refuse(
      fault(ConnectionError.PROTOCOL_ERROR, conn.remoteAddress, `invalid websocket handshake: ${bad}`),
    );
  }
  rememberRequestSecrets(req.headers, req.url);
  const binary = server.settings.websocketType === Ws.BINARY_TYPE_ARRAYBUFFER;
  // Until ws takes the socket, its close is ours to report; afterwards the WebSocket's close event does it.
  let upgraded = false;
  const closedEarly = (): void => {
    if (!upgraded) conn._linkClosed(link as never, 1006, '');
  };
  let link: ServerWsLink | null = null;
  conn._attach({
    // While handshaking there is nothing to write to yet; the connection queues sends itself.
    write: () => false,
    bufferedAmount: () => 0,
    watchDrain: () => undefined,
    watchAlive: () => undefined,
    ping: () => undefined,
    // conn.close() in onWebSocketConnect refuses (403); a stopping worker (close 1001) is unavailable (503)
    close: (code: number) => void answerAndEnd(socket, code === 1001 ? 503 : 403),
    destroy: () => void socket.destroy(),
  });
  socket.once('close', closedEarly);
  if (conn.state !== 'handshaking') return; // onConnect closed it

  const finish = (status: number): void => {
    // closed meanwhile: by conn.close() (which answered 403), destroy(), or the client going away
    if (conn.state !== 'handshaking' || socket.destroyed) return;
    if (status !== 0) return answerAndEnd(socket, status);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      upgraded = true;
      socket.off('close', closedEarly);
      socket.off('error', ignore);
      link = new ServerWsLink(conn, ws as never, socket, binary, server.settings.maxPackageSize);
      conn._linkOpen(link, null);
      conn._watchIdle(socket); // after ws's setSocket, which clears socket timeouts
      socket.resume(); // paused while an async onWebSocketConnect ran
      // arrived while the worker stops: open, then "going away", so the client reconnects elsewhere
      if (server.stopping) conn.close(null, 1001, 'worker stopping');
    });
  };

  const handler = conn._webSocketHandler();
  if (handler === null) return finish(0);
  let result: unknown;
  try {
    result = handler(conn, req);
  } catch (err) {
    rethrowLater(err);
    return finish(500);
  }
  if (result instanceof Promise) {
    socket.pause();
    result.then(
      (value) => finish(refusal(value)),
      (err) => {
        rethrowLater(err);
        finish(500);
      },
    );
    return;
  }
  finish(refusal(result));
}
