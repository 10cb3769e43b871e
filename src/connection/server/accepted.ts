// The accepted connection's own state and what its link reports (LinkOwner: open, message, fault, close,
// drain), the send buffer's full/drain bookkeeping, and how callbacks run (the connection's, else the
// Worker's). The public surface is TcpConnection.ts, which extends this class. The received-message path:
// ws-link.ts / http-link.ts / ../transport/stream.ts -> _linkMessage here -> onMessage.
import type { Socket } from 'node:net';
import { forgetAddressCache } from '../addresses.js';
import { ConnectionError, fault, type ConnectionFault } from '../errors.js';
import type { HandshakeResponse, Link, LinkOwner, SendData } from '../link.js';
import { coarseClock, nextConnectionId, rethrowLater, startClock } from '../registry.js';
import { NO_CALLBACKS, type Callback } from '../settings.js';
import { closedServerBytes, ServerCounters } from './registry.js';
import type { TcpConnection } from './TcpConnection.js';
import type { AcceptedState, ConnectionHost, ServerSettings } from './types.js';

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

/** IP strings seen, so that connections from one client address share one string. Bounded (4,096: one
 * server sees many client addresses; ../addresses.ts interns the few a client connects to). */
const ips = new Map<string, string>();
function internIp(ip: string | undefined): string {
  if (ip === undefined) return '';
  const known = ips.get(ip);
  if (known !== undefined) return known;
  if (ips.size >= 4096) ips.clear();
  ips.set(ip, ip);
  return ip;
}

/** Every accepted connection is a TcpConnection; this half is kept apart so each file has one concern. */
export abstract class AcceptedConnection<M> implements LinkOwner {
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
  protected link: Link | null = null;
  protected socket: Socket | null;
  protected lastMessageTick = 0;
  protected bufferFull = false;

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
  declare protected queue: SendData[] | null;
  declare protected bytesInDone: number;
  declare protected bytesOutDone: number;
  declare protected maxSendOverride: number;

  /** @internal Made by the server at accept time; not for user code. */
  constructor(server: AcceptingServer, socket: Socket, state: AcceptedState) {
    this.server = server;
    this.socket = socket;
    this.state = state;
    this.remoteIp = internIp(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    forgetAddressCache(socket);
  }

  /** @internal The server made the transport: join the registries, run onConnect. */
  _attach(link: Link): void {
    this.link = link;
    this.joined();
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
        cb(this as unknown as TcpConnection & this, data);
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
    this.left();
    this.call('onClose');
  }

  /** @internal */
  _linkDrain(link: Link): void {
    if (!this.bufferFull || link.bufferedAmount() >= this.maxSendBufferSize) return;
    this.bufferFull = false;
    this.call('onBufferDrain');
  }

  protected dropSend(): false {
    ServerCounters.sendFailures++;
    const f = fault(
      ConnectionError.SEND_FAIL,
      this.remoteAddress,
      `send buffer full (maxSendBufferSize ${this.maxSendBufferSize} bytes)`,
    );
    this.callError(f);
    return false;
  }

  protected markFull(): void {
    this.bufferFull = true;
    this.link?.watchDrain();
    this.call('onBufferFull');
  }

  protected call(name: Handler): void {
    const cb = (this[name] ?? this.server.host[name]) as ((conn: this) => void) | null | undefined;
    if (cb === null || cb === undefined) return;
    try {
      cb(this);
    } catch (err) {
      rethrowLater(err);
    }
  }

  protected callError(f: ConnectionFault): void {
    const cb = this.onError ?? this.server.host.onError;
    if (cb === null || cb === undefined) return;
    try {
      cb(this as unknown as TcpConnection & this, f.code, f.message);
    } catch (err) {
      rethrowLater(err);
    }
  }

  /** Bound of this connection's send buffer (TcpConnection.ts). */
  abstract get maxSendBufferSize(): number;
  /** `'1.2.3.4:5678'` of the peer, for fault messages. */
  abstract get remoteAddress(): string;
  abstract destroy(): void;
  abstract send(data: SendData): boolean | null;
  /** Joins the process's and the Worker's registries (at attach). */
  protected abstract joined(): void;
  /** Leaves them (at close). */
  protected abstract left(): void;
}

Object.assign(AcceptedConnection.prototype, {
  ...NO_CALLBACKS,
  closeCode: null,
  closeReason: '',
  lastError: null,
  queue: null,
  bytesInDone: 0,
  bytesOutDone: 0,
  maxSendOverride: 0,
});
