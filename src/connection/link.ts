// The seam between the connection facade and one connection attempt's transport ("link").
// A link is created per attempt and reports back through LinkOwner; it never outlives its socket.
import type { Socket } from 'node:net';
import type { ConnectionFault } from './errors.js';
import type { Target } from './url.js';
import type { ProxyConfig } from './transport/proxy.js';
import type { Protocol } from './protocol/Protocol.js';
import type { TlsOptions } from './types.js';

/** What `send()` accepts. */
export type SendData = string | Buffer | ArrayBuffer | Uint8Array;

/** The server's answer to the websocket upgrade, as given to `onWebSocketConnect`. */
export interface HandshakeResponse {
  statusCode: number;
  statusMessage: string;
  httpVersion: string;
  /** Header names lower case, as Node parses them. */
  headers: Record<string, string | string[] | undefined>;
  /** The status line and headers as the server sent them (what Workerman prints for `echo $response`). */
  toString(): string;
}

/** One attempt's transport. */
export interface Link {
  /** Writes one message (only called while open); false if the socket is already going away. */
  write(data: SendData): boolean;
  /** Bytes accepted but not yet handed to the kernel. */
  bufferedAmount(): number;
  /** Reports the socket's drain through `_linkDrain` from now on (asked once the send buffer is full). */
  watchDrain(): void;
  /** Reports inbound pings and pongs through `_linkAlive` from now on (asked when liveness timers run). */
  watchAlive(): void;
  /** Sends a websocket ping (no-op for stream protocols). */
  ping(): void;
  /** Graceful close: websocket close frame / TCP FIN, bounded by the close timeout. */
  close(code: number, reason: string): void;
  /** Drops the socket now. */
  destroy(): void;
  /** Stops reading from the socket (accepted connections' `pauseRecv()`). */
  pause?(): void;
  /** Reads again after `pause()`. */
  resume?(): void;
}

/** Everything a link needs to open; filled by the facade per attempt. */
export interface LinkConfig {
  target: Target;
  url: string;
  headers: Record<string, string>;
  tls: TlsOptions;
  proxy: ProxyConfig | null;
  binary: boolean;
  maxPackageSize: number;
  /** ws/wss: `ws`'s skipUTF8Validation. */
  skipUTF8Validation: boolean;
  closeTimeoutMs: number;
  protocol: Protocol | null;
}

/** Callbacks from a link into the facade. Stale links (an earlier attempt) are ignored by the facade. */
export interface LinkOwner {
  /** TCP (and TLS, and proxy tunnel) is up. */
  _linkConnected(link: Link, socket: Socket): void;
  /** Ready for messages; `response` is the websocket handshake answer or null for stream protocols. */
  _linkOpen(link: Link, response: HandshakeResponse | null): void;
  /** One inbound message (hot path). */
  _linkMessage(data: unknown): void;
  /** A ping or pong arrived (liveness). */
  _linkAlive(): void;
  /** Something went wrong; the link closes itself right after. */
  _linkFault(link: Link, fault: ConnectionFault): void;
  /** The socket is gone. Called exactly once per link. */
  _linkClosed(link: Link, code: number | null, reason: string): void;
  /** The socket's write buffer drained. */
  _linkDrain(link: Link): void;
}
