// What a user sets on a connection: options with their defaults and the callbacks. The behaviour lives in
// AsyncTcpConnection, which extends this class. Times are in seconds.
import { EventEmitter } from 'node:events';
import type { ReconnectPolicy } from './backoff.js';
import type { HandshakeResponse } from './link.js';
import { Ws } from './protocol/ws.js';
import type { TlsOptions } from './types.js';
import { checkHeaders } from './url.js';

/**
 * A callback property type. Declared through a method so that parameters are compared bivariantly: an
 * `AsyncTcpConnection<string>` is then usable where an `AsyncTcpConnection<unknown>` is expected (the registry).
 */
export type Callback<A extends unknown[]> = { bivarianceHack(...args: A): void }['bivarianceHack'];

/** Options and callbacks of a connection (see docs/connections.md for each one). */
export class ConnectionSettings<M> extends EventEmitter {
  /** ws/wss: send a ping frame every N seconds after the handshake; 0 = off. Default 0. */
  websocketPingInterval = 0;
  /** `Ws.BINARY_TYPE_BLOB` (text frames, default) or `Ws.BINARY_TYPE_ARRAYBUFFER` (binary frames). */
  websocketType: string = Ws.BINARY_TYPE_BLOB;
  /** Bound of the queue while not open and of the socket buffer while open. Default 1 MiB. */
  maxSendBufferSize = 1024 * 1024;
  /** Largest inbound websocket message or protocol package. Default 10 MiB. */
  maxPackageSize = 10 * 1024 * 1024;
  /** TCP + proxy + TLS must be up within N seconds. Default 10; 0 = no limit. */
  connectTimeout = 10;
  /** ws/wss: the 101 answer must come within N seconds of TCP connect. Default 10; 0 = no limit. */
  handshakeTimeout = 10;
  /** After a ping, something (pong or data) must arrive within N seconds. Default 10. */
  pongTimeout = 10;
  /** Close when nothing arrives for N seconds; 0 = off (default). */
  idleTimeout = 0;
  /** A graceful close waits at most N seconds for the peer. Default 2. */
  closeTimeout = 2;
  /** Automatic reconnect policy; `true` = defaults; null = off (default, as in Workerman). */
  reconnect: ReconnectPolicy | true | null = null;
  /** TLS options for wss/tls/ssl (`ca`, `cert`, `key`, `rejectUnauthorized`, `servername`, ...). */
  tls: TlsOptions = {};
  /** HTTP CONNECT proxy URL; `false` = never; unset = HTTPS_PROXY/HTTP_PROXY/NO_PROXY for ws/wss. */
  proxy: string | false | undefined = undefined;
  /** Stream protocols only: `'tls'` runs text/frame/user protocols over TLS. Default `'tcp'`. */
  transport: 'tcp' | 'tls' = 'tcp';

  /** TCP (and TLS) is up; for ws/wss before the handshake. */
  onConnect: Callback<[conn: this]> | null = null;
  /** ws/wss handshake done; `response` renders as the HTTP answer with `String(response)`. */
  onWebSocketConnect: Callback<[conn: this, response: HandshakeResponse]> | null = null;
  /** One inbound message. */
  onMessage: Callback<[conn: this, data: M]> | null = null;
  /** The socket is gone; `conn.closeCode`/`conn.closeReason` say why. */
  onClose: Callback<[conn: this]> | null = null;
  /** A failure with a stable code (see ConnectionError); followed by onClose except for SEND_FAIL. */
  onError: Callback<[conn: this, code: number, message: string]> | null = null;
  /** The send queue or socket buffer reached `maxSendBufferSize`. */
  onBufferFull: Callback<[conn: this]> | null = null;
  /** After onBufferFull: the buffer emptied. */
  onBufferDrain: Callback<[conn: this]> | null = null;

  private _headers: Record<string, string> = {};

  /** Extra headers for the websocket upgrade request. @throws TypeError on CR/LF/NUL (header injection). */
  get headers(): Record<string, string> { return this._headers; }
  set headers(h: Record<string, string>) {
    checkHeaders(h);
    this._headers = h;
  }
}
