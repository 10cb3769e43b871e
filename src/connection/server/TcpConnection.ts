// An accepted connection (Workerman's TcpConnection): the same surface as AsyncTcpConnection where it makes
// sense (callbacks, the send() true/null/false contract, buffers, counters), for every listen scheme. The
// transport is a Link (../link.ts) as on the client side: stream protocols reuse the client's StreamLink,
// websocket:// and http:// have their own (ws-link.ts, http-link.ts). Lean on purpose: options and
// callbacks live on the prototype or on the Worker, a connection holds only its own state.
import type { Socket } from 'node:net';
import { ConnectionError, fault, type ConnectionFault } from '../errors.js';
import type { HandshakeResponse, Link, LinkOwner, SendData } from '../link.js';
import { coarseClock, coarseEpoch, nextConnectionId, rethrowLater, startClock } from '../registry.js';
import type { Callback } from '../settings.js';
import { accepted, closedServerBytes, ServerCounters, serverTotals, type ServerTotals } from './registry.js';
import type { AcceptedConnectionInfo, AcceptedState, ConnectionHost, ServerSettings } from './types.js';

/** What a connection needs from the server that accepted it. */
export interface AcceptingServer {
  readonly host: ConnectionHost<TcpConnection>;
  readonly settings: ServerSettings;
  /** Listen scheme. */
  readonly scheme: string;
  /** Listen address as shown, e.g. `websocket://0.0.0.0:2346`. */
  readonly display: string;
  /** The server stopped accepting: a connection that opens now is closed (1001) right away. */
  readonly stopping: boolean;
}

type Handler = 'onConnect' | 'onMessage' | 'onClose' | 'onBufferFull' | 'onBufferDrain';

/** IP strings seen, so that connections from one client address share one string. Bounded. */
const ips = new Map<string, string>();
function internIp(ip: string | undefined): string {
  if (ip === undefined) return '';
  const known = ips.get(ip);
  if (known !== undefined) return known;
  if (ips.size >= 4096) ips.clear();
  ips.set(ip, ip);
  return ip;
}

/**
 * A connection a listening Worker accepted. Callbacks set on the connection win over the Worker's
 * (`worker.onMessage`), which are read at each event, not copied at accept time.
 * `M` is what onMessage gets; it depends on the listen scheme, so it is open by default (see ServerMessage).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see ServerMessage in types.ts
export class TcpConnection<M = any> implements LinkOwner {
  /** Every accepted connection of this process that is not closed yet (all Workers, all protocols). */
  static get connections(): ReadonlySet<TcpConnection> {
    return accepted;
  }
  /** Process-wide counters of accepted connections: accepted, refused, messages, bytes, send failures. */
  static get totals(): ServerTotals {
    return serverTotals();
  }

  /** Unique within the process (one counter with AsyncTcpConnection ids, as in Workerman). */
  readonly id = nextConnectionId();
  /** `'handshaking'` (websocket:// until the 101 is sent), `'open'`, `'closing'`, `'closed'`. */
  state: AcceptedState;
  /** IP of the peer (`'127.0.0.1'`, `'::1'`). */
  readonly remoteIp: string;
  readonly remotePort: number;
  /** Epoch ms of the accept. */
  readonly openedAt = Date.now();
  messagesIn = 0;
  messagesOut = 0;
  /** @internal */
  readonly server: AcceptingServer;
  private link: Link | null = null;
  private socket: Socket | null;
  private lastMessageTick = 0;
  private bufferFull = false;

  // Defaults on the prototype (below the class): a connection has own fields only for what was set.
  /** Per-connection callbacks; when null, the Worker's callback of the same name runs. */
  declare onConnect: Callback<[conn: this]> | null;
  declare onWebSocketConnect: Callback<[conn: this, request: import('node:http').IncomingMessage]> | null;
  declare onMessage: Callback<[conn: this, data: M]> | null;
  declare onClose: Callback<[conn: this]> | null;
  declare onError: Callback<[conn: this, code: number, message: string]> | null;
  declare onBufferFull: Callback<[conn: this]> | null;
  declare onBufferDrain: Callback<[conn: this]> | null;
  /** websocket://: close code the client sent (1006 if none); null for other schemes or while open. */
  declare closeCode: number | null;
  declare closeReason: string;
  /** The last fault reported through onError. */
  declare lastError: ConnectionFault | null;
  /** Sends made while handshaking, written once open (websocket://, from onConnect/onWebSocketConnect). */
  declare private queue: SendData[] | null;
  declare private bytesInDone: number;
  declare private bytesOutDone: number;
  declare private maxSendOverride: number;

  /** @internal Made by the server at accept time; not for user code. */
  constructor(server: AcceptingServer, socket: Socket, state: AcceptedState) {
    this.server = server;
    this.socket = socket;
    this.state = state;
    this.remoteIp = internIp(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    forgetAddressCache(socket);
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

  // ---- the server's side ---------------------------------------------------------------------------------

  /** @internal The server made the transport: join the registries, run onConnect. */
  _attach(link: Link): void {
    this.link = link;
    accepted.add(this);
    this.server.host.connections.set(this.id, this);
    ServerCounters.accepted++;
    startClock();
    this.call('onConnect');
  }

  /** @internal Starts the idleTimeout watchdog on `socket` (Node's socket timeout: no timer of our own). */
  _watchIdle(socket: Socket): void {
    const seconds = this.server.settings.idleTimeout;
    if (!(seconds > 0)) return;
    socket.setTimeout(seconds * 1000, () => {
      if (this.state === 'closed') return;
      const f = fault(ConnectionError.IDLE_TIMEOUT, this.remoteAddress, `for ${seconds} s (idleTimeout)`);
      this.lastError = f;
      this.callError(f);
      this.destroy();
    });
  }

  /** @internal The server refuses this connection (limit, bad handshake): onError, then onClose. */
  _refuse(f: ConnectionFault): void {
    this.state = 'closed';
    this.lastError = f;
    this.callError(f);
    this.socket = null;
    this.call('onClose');
  }

  /** @internal websocket://: the user's onWebSocketConnect, or the Worker's. */
  _webSocketHandler(): Callback<[conn: TcpConnection, request: import('node:http').IncomingMessage]> | null {
    return this.onWebSocketConnect ?? this.server.host.onWebSocketConnect ?? null;
  }

  /** @internal */
  _linkConnected(): void {}

  /** @internal websocket://: the handshake is done; `link` is the websocket from now on. */
  _linkOpen(link: Link, _response: HandshakeResponse | null): void {
    if (this.state !== 'handshaking') return;
    this.link = link;
    this.state = 'open';
    const q = this.queue;
    if (q !== null) {
      this.queue = null;
      for (const data of q) this.send(data);
    }
  }

  /** @internal Hot path: one inbound message. */
  _linkMessage(data: unknown): void {
    if (this.state !== 'open' && this.state !== 'closing') return;
    this.messagesIn++;
    ServerCounters.messagesIn++;
    this.lastMessageTick = coarseClock.tick;
    const cb = this.onMessage ?? this.server.host.onMessage;
    if (cb !== null && cb !== undefined) {
      try {
        cb(this, data as M);
      } catch (err) {
        rethrowLater(err);
      }
    }
  }

  /** @internal */
  _linkAlive(): void {}

  /** @internal */
  _linkFault(_link: Link, f: ConnectionFault): void {
    if (this.state === 'closed') return;
    this.lastError = f;
    this.callError(f);
  }

  /** @internal The socket is gone (exactly once). */
  _linkClosed(_link: Link, code: number | null, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (code !== null) {
      this.closeCode = code;
      this.closeReason = reason;
    }
    const s = this.socket;
    if (s !== null) {
      this.bytesInDone = s.bytesRead;
      this.bytesOutDone = s.bytesWritten;
      this.socket = null;
    }
    closedServerBytes.in += this.bytesInDone;
    closedServerBytes.out += this.bytesOutDone;
    this.queue = null;
    accepted.delete(this);
    this.server.host.connections.delete(this.id);
    this.call('onClose');
  }

  /** @internal */
  _linkDrain(link: Link): void {
    if (!this.bufferFull || link.bufferedAmount() >= this.maxSendBufferSize) return;
    this.bufferFull = false;
    this.call('onBufferDrain');
  }

  private dropSend(): false {
    ServerCounters.sendFailures++;
    const f = fault(
      ConnectionError.SEND_FAIL,
      this.remoteAddress,
      `send buffer full (maxSendBufferSize ${this.maxSendBufferSize} bytes)`,
    );
    this.callError(f);
    return false;
  }

  private markFull(): void {
    this.bufferFull = true;
    this.link?.watchDrain();
    this.call('onBufferFull');
  }

  private call(name: Handler): void {
    const cb = (this[name] ?? this.server.host[name]) as ((conn: this) => void) | null | undefined;
    if (cb === null || cb === undefined) return;
    try {
      cb(this);
    } catch (err) {
      rethrowLater(err);
    }
  }

  private callError(f: ConnectionFault): void {
    const cb = this.onError ?? this.server.host.onError;
    if (cb === null || cb === undefined) return;
    try {
      cb(this, f.code, f.message);
    } catch (err) {
      rethrowLater(err);
    }
  }
}

Object.assign(TcpConnection.prototype, {
  onConnect: null,
  onWebSocketConnect: null,
  onMessage: null,
  onClose: null,
  onError: null,
  onBufferFull: null,
  onBufferDrain: null,
  closeCode: null,
  closeReason: '',
  lastError: null,
  queue: null,
  bytesInDone: 0,
  bytesOutDone: 0,
  maxSendOverride: 0,
});

/** Node caches a socket's addresses on it for its life; we keep our own copy (see AsyncTcpConnection). */
function forgetAddressCache(socket: Socket): void {
  const s = socket as Socket & { _sockname?: unknown; _peername?: unknown };
  s._sockname = undefined;
  s._peername = undefined;
}
