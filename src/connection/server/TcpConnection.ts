// An accepted connection (Workerman's TcpConnection): the same surface as AsyncTcpConnection where it makes
// sense (callbacks, the send() true/null/false contract, buffers, counters), for every listen scheme. The
// transport is a Link (../link.ts) as on the client side: stream protocols reuse the client's StreamLink,
// websocket:// and http:// have their own (ws-link.ts, http-link.ts). This file is the public surface; the
// state and what the link reports are accepted.ts. Lean on purpose: options and callbacks live on the
// prototype or on the Worker, a connection holds only its own state.
import { forgetAddressCache } from '../addresses.js';
import type { Link, SendData } from '../link.js';
import { coarseEpoch } from '../registry.js';
import type { Callback } from '../settings.js';
import { AcceptedConnection } from './accepted.js';
import { accepted, ServerCounters, serverTotals, type ServerTotals } from './registry.js';
import type { AcceptedConnectionInfo, ConnectionHost } from './types.js';

/**
 * A connection a listening Worker accepted. Callbacks set on the connection win over the Worker's
 * (`worker.onMessage`), which are read at each event, not copied at accept time.
 * `M` is what onMessage gets; it depends on the listen scheme, so it is open by default (see ServerMessage).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ServerMessage in types.ts
export class TcpConnection<M = any> extends AcceptedConnection<M> {
  /** Every accepted connection of this process that is not closed yet (all Workers, all protocols). */
  static get connections(): ReadonlySet<TcpConnection> {
    return accepted;
  }
  /** Process-wide counters of accepted connections: accepted, refused, messages, bytes, send failures. */
  static get totals(): ServerTotals {
    return serverTotals();
  }

  /** The Worker that accepted this connection. */
  get worker(): ConnectionHost<TcpConnection> {
    return this.server.host;
  }
  /** The listen scheme: `websocket`, `http`, `tcp`, `text`, `frame` or a registered protocol. */
  get protocol(): string {
    return this.server.scheme;
  }
  /** `'1.2.3.4:5678'` of the peer. */
  get remoteAddress(): string {
    return this.remoteIp.includes(':')
      ? `[${this.remoteIp}]:${this.remotePort}`
      : `${this.remoteIp}:${this.remotePort}`;
  }
  /** `'127.0.0.1:2346'` of our end, or null once closed. */
  get localAddress(): string | null {
    const s = this.socket;
    if (s === null || s.localAddress === undefined) return null;
    const address = s.localAddress.includes(':')
      ? `[${s.localAddress}]:${s.localPort}`
      : `${s.localAddress}:${s.localPort}`;
    forgetAddressCache(s);
    return address;
  }
  /** Wire bytes received. */
  get bytesIn(): number {
    return this.bytesInDone + (this.socket?.bytesRead ?? 0);
  }
  /** Wire bytes written. */
  get bytesOut(): number {
    return this.bytesOutDone + (this.socket?.bytesWritten ?? 0);
  }
  /** Epoch ms (250 ms resolution) of the last inbound message, or null. */
  get lastMessageAt(): number | null {
    return coarseEpoch(this.lastMessageTick);
  }
  /** Bound of this connection's send buffer; default: the Worker's `maxSendBufferSize` (1 MiB). */
  get maxSendBufferSize(): number {
    return this.maxSendOverride > 0 ? this.maxSendOverride : this.server.settings.maxSendBufferSize;
  }
  set maxSendBufferSize(bytes: number) {
    if (!Number.isInteger(bytes) || bytes <= 0)
      throw new TypeError(
        `TcpConnection: maxSendBufferSize must be a whole number of bytes > 0, got ${bytes}`,
      );
    this.maxSendOverride = bytes;
  }
  /** Bytes waiting in the socket's send buffer. */
  get bufferedAmount(): number {
    return this.link === null ? 0 : this.link.bufferedAmount();
  }

  /**
   * Sends one message: `true` handed to the socket, `null` queued (websocket:// while handshaking),
   * `false` dropped (send buffer full -> onError SEND_FAIL; or closing/closed). http://: answers the
   * oldest unanswered request (`body` or `{ status, headers, body }`); false if none is waiting.
   */
  send(data: SendData | import('./types.js').HttpResponse): boolean | null {
    const st = this.state;
    // http:// while closing: the requests already received still get their answers
    if (st === 'open' || (st === 'closing' && this.server.scheme === 'http')) {
      const link = this.link as Link;
      if (this.bufferFull && link.bufferedAmount() >= this.maxSendBufferSize) return this.dropSend();
      if (!link.write(data as SendData)) {
        ServerCounters.sendFailures++;
        return false;
      }
      this.messagesOut++;
      ServerCounters.messagesOut++;
      if (!this.bufferFull && link.bufferedAmount() >= this.maxSendBufferSize) this.markFull();
      return true;
    }
    if (st === 'handshaking') {
      const q = (this.queue ??= []);
      if (q.length >= 1024) return this.dropSend();
      q.push(data as SendData);
      return null;
    }
    ServerCounters.sendFailures++;
    return false;
  }

  /**
   * Sends `data` (if given), then closes: websocket close frame (`code`, default 1000), TCP FIN, HTTP: after
   * the pending responses. While handshaking (websocket://) the handshake is refused instead. onClose
   * follows once the socket is gone.
   */
  close(data?: SendData | null, code = 1000, reason = ''): void {
    const st = this.state;
    if (st === 'closing' || st === 'closed') return;
    if (data !== undefined && data !== null && st === 'open') this.send(data);
    this.state = 'closing';
    if (this.link === null) {
      this.socket?.destroy();
      return;
    }
    this.link.close(code, reason);
  }

  /** Drops the connection now (no close handshake). */
  destroy(): void {
    if (this.state === 'closed') return;
    this.state = 'closing';
    if (this.link !== null) this.link.destroy();
    else this.socket?.destroy();
  }

  /** Stops reading from this connection (the peer is slowed down by TCP flow control). */
  pauseRecv(): void {
    this.link?.pause?.();
  }
  /** Reads again after pauseRecv(). */
  resumeRecv(): void {
    this.link?.resume?.();
  }

  /** A plain JSON-safe snapshot for status displays. */
  info(): AcceptedConnectionInfo {
    return {
      id: this.id,
      protocol: this.server.scheme,
      listen: this.server.display,
      state: this.state,
      localAddress: this.localAddress,
      remoteAddress: this.remoteAddress,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      queuedBytes: this.bufferedAmount,
      openedAt: this.openedAt,
      lastMessageAt: this.lastMessageAt,
      lastError:
        this.lastError === null ? null : { code: this.lastError.code, message: this.lastError.message },
    };
  }

  /** @internal websocket://: the user's onWebSocketConnect, or the Worker's. */
  _webSocketHandler(): Callback<[conn: TcpConnection, request: import('node:http').IncomingMessage]> | null {
    return this.onWebSocketConnect ?? this.server.host.onWebSocketConnect ?? null;
  }

  protected joined(): void {
    accepted.add(this);
    this.server.host.connections.set(this.id, this);
  }

  protected left(): void {
    accepted.delete(this);
    this.server.host.connections.delete(this.id);
  }
}
