// Public types of the server side: what a listening Worker gives its accepted connections, the settings of
// a server, and the snapshot `conn.info()` returns.
import type { IncomingMessage } from 'node:http';
import type { Callback } from '../settings.js';

/**
 * What onMessage gets. It depends on the listen scheme, known only when the Worker is made: `string |
 * Buffer` for websocket/text/frame/tcp, an HttpRequest for http, a user protocol's decode() result. Open
 * (`any`) on purpose, so that both `(conn, data) => conn.send(data)` and `(conn, req: HttpRequest) => ...`
 * type-check without a cast; `unknown` would force one on the most common line of a server.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- deliberate, see above
export type ServerMessage = any;

/**
 * websocket:// permessage-deflate settings, passed to `ws` as they are (its `PerMessageDeflateOptions`;
 * declared here so that TypeScript users need no `@types/ws`).
 */
export interface PerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number;
  zlibDeflateOptions?: Record<string, unknown>;
  zlibInflateOptions?: Record<string, unknown>;
  /** Messages below this many bytes are not compressed (ws default 1024). */
  threshold?: number;
  /** Concurrent zlib calls (ws default 10). */
  concurrencyLimit?: number;
}

/** Callbacks for accepted connections, each optional (`null` = none). */
export interface ServerCallbacks<C> {
  /** A connection was accepted (websocket://: its upgrade request arrived, before onWebSocketConnect). */
  onConnect?: Callback<[conn: C]> | null;
  /**
   * websocket://: the upgrade request, before the handshake is answered. Return (or resolve to) an HTTP
   * status 400-599 to refuse the handshake with it; anything else accepts.
   */
  onWebSocketConnect?: Callback<[conn: C, request: IncomingMessage]> | null;
  /** One message: websocket text frame -> string, binary frame -> Buffer; text:// -> string; frame:// and tcp:// -> Buffer; http:// -> HttpRequest. */
  onMessage?: Callback<[conn: C, data: ServerMessage]> | null;
  /** The connection is gone. */
  onClose?: Callback<[conn: C]> | null;
  /** Something went wrong with this connection (stable codes, see ConnectionError); followed by onClose except SEND_FAIL. */
  onError?: Callback<[conn: C, code: number, message: string]> | null;
  /** The socket's send buffer reached maxSendBufferSize: the next send() is dropped. */
  onBufferFull?: Callback<[conn: C]> | null;
  /** After onBufferFull: the send buffer drained. */
  onBufferDrain?: Callback<[conn: C]> | null;
}

/** What an accepted connection knows of the Worker that accepted it: its callbacks and its connections. */
export interface ConnectionHost<C> extends ServerCallbacks<C> {
  /** Accepted connections of this process, id -> connection. */
  readonly connections: Map<number, C>;
}

/** Settings of a listening server, resolved (every one has its value). Times in seconds, sizes in bytes. */
export interface ServerSettings {
  /** Open connections per worker process; one more is refused with onError CONNECTION_LIMIT. */
  maxConnections: number;
  /** Largest inbound websocket message (ws `maxPayload`), text:// line, frame:// package or HTTP body. */
  maxPackageSize: number;
  /** Bound of a connection's socket send buffer: at it, onBufferFull; beyond it, send() drops. */
  maxSendBufferSize: number;
  /** websocket://: permessage-deflate (`ws`'s option: false, true or its options object). */
  perMessageDeflate: boolean | PerMessageDeflateOptions;
  /** websocket://: frames send() produces (Ws.BINARY_TYPE_BLOB = text, Ws.BINARY_TYPE_ARRAYBUFFER = binary). */
  websocketType: string;
  /** websocket://: do not check that inbound text frames are UTF-8. */
  skipUTF8Validation: boolean;
  /** websocket://, http://: the request head must arrive within this many seconds. */
  handshakeTimeout: number;
  /** A graceful close waits this long for the peer (websocket close reply, HTTP response) before dropping. */
  closeTimeout: number;
  /** Close a connection that sends nothing for this many seconds; 0 = off. */
  idleTimeout: number;
}

/** States of an accepted connection. */
export type AcceptedState = 'handshaking' | 'open' | 'closing' | 'closed';

/** `conn.info()` of an accepted connection: plain, JSON-safe, for status displays. */
export interface AcceptedConnectionInfo {
  id: number;
  /** Listen scheme: websocket, http, tcp, text, frame or a registered one. */
  protocol: string;
  /** The listen address, e.g. `websocket://0.0.0.0:2346`. */
  listen: string;
  state: AcceptedState;
  localAddress: string | null;
  remoteAddress: string;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  /** Bytes in the socket's send buffer. */
  queuedBytes: number;
  /** Epoch ms of the accept. */
  openedAt: number;
  /** Epoch ms (250 ms resolution) of the last inbound message, or null. */
  lastMessageAt: number | null;
  lastError: { code: number; message: string } | null;
}

/** An HTTP answer for `conn.send()` on http:// (a string or Buffer alone is the body of a 200). */
export interface HttpResponse {
  /** Default 200. */
  status?: number;
  headers?: Record<string, string | number | readonly string[]>;
  body?: string | Buffer | Uint8Array;
}
