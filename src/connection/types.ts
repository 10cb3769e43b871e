// Public option and callback types of the connection layer.
import type { ConnectionOptions as NodeTlsConnectionOptions } from 'node:tls';
import type { ReconnectPolicy } from './backoff.js';
import type { HandshakeResponse } from './link.js';

/** TLS options passed through to `tls.connect` (`ca`, `cert`, `key`, `rejectUnauthorized`, `servername`, ...). */
export type TlsOptions = Omit<NodeTlsConnectionOptions, 'host' | 'port' | 'socket' | 'path'>;

/** Options for `new AsyncTcpConnection(url, options)`; each is also a settable property. Times in seconds. */
export interface ConnectionOptions<C, M = string | Buffer> {
  /** Send a websocket ping every this many seconds; 0 = off. Default 0. */
  websocketPingInterval?: number;
  /** Extra headers for the websocket upgrade request. Default {}. */
  headers?: Record<string, string>;
  /** `Ws.BINARY_TYPE_BLOB` (text frames, default) or `Ws.BINARY_TYPE_ARRAYBUFFER` (binary frames). */
  websocketType?: string;
  /** Bound of the queue while not open and of the socket buffer while open, in bytes. Default 1 MiB. */
  maxSendBufferSize?: number;
  /** Largest inbound websocket message or protocol package, in bytes. Default 10 MiB. */
  maxPackageSize?: number;
  /** ws/wss: do not check that inbound text frames are valid UTF-8 (`ws` `skipUTF8Validation`). Default false. */
  skipUTF8Validation?: boolean;
  /** Seconds for TCP (+ proxy + TLS) to connect. Default 10. 0 = no limit. */
  connectTimeout?: number;
  /** Seconds from TCP connect to the websocket 101 answer. Default 10. 0 = no limit. */
  handshakeTimeout?: number;
  /** Seconds to wait for anything (pong or data) after a ping before giving up. Default 10. */
  pongTimeout?: number;
  /** Close when nothing arrives for this many seconds; 0 = off. Default 0. */
  idleTimeout?: number;
  /** Seconds a graceful close waits for the peer before dropping the socket. Default 2. */
  closeTimeout?: number;
  /** Automatic reconnect after an unrequested close; `true` = defaults. Default null (off, as in Workerman). */
  reconnect?: ReconnectPolicy | boolean | null;
  /** TLS options for wss/tls/ssl. Verification is on unless `rejectUnauthorized: false`. */
  tls?: TlsOptions;
  /** HTTP CONNECT proxy URL, `false` for never; default: HTTPS_PROXY/HTTP_PROXY/NO_PROXY for ws/wss. */
  proxy?: string | false;
  /** Stream protocols (text, frame, custom) only: `'tls'` runs them over TLS. Default `'tcp'`. */
  transport?: 'tcp' | 'tls';
  onConnect?: ((conn: C) => void) | null;
  onWebSocketConnect?: ((conn: C, response: HandshakeResponse) => void) | null;
  onMessage?: ((conn: C, data: M) => void) | null;
  onClose?: ((conn: C) => void) | null;
  onError?: ((conn: C, code: number, message: string) => void) | null;
  onBufferFull?: ((conn: C) => void) | null;
  onBufferDrain?: ((conn: C) => void) | null;
}

/** States of a connection. */
export type ConnectionState =
  'initial' | 'connecting' | 'handshaking' | 'open' | 'closing' | 'closed' | 'reconnecting';

/** `conn.info()`: plain JSON-safe snapshot, never containing header values or credentials. */
export interface ConnectionInfo {
  id: number;
  url: string;
  state: ConnectionState;
  localAddress: string | null;
  remoteAddress: string | null;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  queuedBytes: number;
  reconnectAttempts: number;
  /** Epoch ms of the pending reconnect, or null. */
  nextRetryAt: number | null;
  /** Epoch ms when the current connection opened, or null. */
  openedAt: number | null;
  /** Epoch ms (250 ms resolution) of the last inbound message, or null. */
  lastMessageAt: number | null;
  closeCode: number | null;
  closeReason: string;
  lastError: { code: number; message: string } | null;
}

/** Process-wide counters across all connections. */
export interface ConnectionTotals {
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  reconnects: number;
  sendFailures: number;
}
