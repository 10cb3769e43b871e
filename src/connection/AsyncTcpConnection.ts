// The facade: URL, options, callbacks, the state machine (every transition in setState), the send contract,
// reconnects and liveness timers. Transports live in transport/ and protocol/; this file only orchestrates.
import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { resolvePolicy, reconnectDelay, type ReconnectPolicy } from './backoff.js';
import { ConnectionError, fault, type ConnectionFault } from './errors.js';
import type { HandshakeResponse, Link, LinkOwner, SendData } from './link.js';
import { getProtocol, knownSchemes, registerProtocol, type Protocol } from './protocol/Protocol.js';
import { openWsLink, Ws } from './protocol/ws.js';
import { openStreamLink } from './transport/stream.js';
import { parseProxy, proxyFromEnv } from './transport/proxy.js';
import { checkHeaders, parseTarget, type Target } from './url.js';
import type { ConnectionInfo, ConnectionOptions, ConnectionState, ConnectionTotals, TlsOptions } from './types.js';
import { byteSize, closedBytes, rethrowLater, Counters } from './counters.js';

let nextId = 1;
const registry = new Set<AsyncTcpConnection<any>>();

/**
 * A client connection that Workerman users know: `new AsyncTcpConnection('ws://host:port/path')`, set
 * callbacks, `connect()`. Also emits `connect`, `open`, `message`, `close` and `error` events.
 * Callbacks run after the connection's own bookkeeping; an exception thrown by one is re-thrown on the next
 * tick (an uncaught exception the worker process reports), never swallowed.
 */
export class AsyncTcpConnection<M = string | Buffer> extends EventEmitter implements LinkOwner {
  /** Every connection that was `connect()`ed and is not finally closed (including those waiting to reconnect). */
  static get connections(): ReadonlySet<AsyncTcpConnection<any>> { return registry; }
  /** Process-wide counters. */
  static get totals(): ConnectionTotals {
    return Counters.snapshot([...registry].map((c) => ({ bytesIn: c.bytesIn - c.countedIn, bytesOut: c.bytesOut - c.countedOut })));
  }
  /** Registers a stream protocol under `name` (used as `name://host:port`). See {@link Protocol}. */
  static registerProtocol(name: string, protocol: Protocol): void { registerProtocol(name, protocol); }

  /**
   * Closes every connection (websocket close `code`, default 1001 "going away") and cancels every reconnect.
   * Resolves when all are closed; connections still open after ~2 s are destroyed.
   */
  static async closeAll(code = 1001, reason = ''): Promise<void> {
    const all = [...registry];
    for (const c of all) c.close(code, reason);
    const deadline = Date.now() + 2000;
    while (all.some((c) => registry.has(c)) && Date.now() < deadline) await sleep(20);
    for (const c of all) if (registry.has(c)) c.destroy();
    const hard = Date.now() + 500;
    while (all.some((c) => registry.has(c)) && Date.now() < hard) await sleep(10);
  }

  /** Process-unique id, kept across reconnects. */
  readonly id = nextId++;
  /** The URL as given. */
  readonly url: string;
  /** The URL with credentials and query-string values masked: safe to print. */
  readonly displayUrl: string;
  /** Current state; see docs/connections.md for the transitions. */
  state: ConnectionState = 'initial';
  messagesIn = 0;
  messagesOut = 0;
  reconnectAttempts = 0;
  /** Epoch ms of the pending reconnect, or null. */
  nextRetryAt: number | null = null;
  localAddress: string | null = null;
  remoteAddress: string | null = null;
  /** Close code of the last close (websocket: what the server sent, 1006 if none); null for streams or before any close. */
  closeCode: number | null = null;
  /** Close reason the server sent (websocket). */
  closeReason = '';
  /** The last fault reported through onError (SEND_FAIL excluded). */
  lastError: ConnectionFault | null = null;

  websocketPingInterval = 0;
  websocketType: string = Ws.BINARY_TYPE_BLOB;
  maxSendBufferSize = 1024 * 1024;
  maxPackageSize = 10 * 1024 * 1024;
  connectTimeout = 10;
  handshakeTimeout = 10;
  pongTimeout = 10;
  idleTimeout = 0;
  closeTimeout = 2;
  reconnect: ReconnectPolicy | true | null = null;
  tls: TlsOptions = {};
  proxy: string | false | undefined = undefined;
  transport: 'tcp' | 'tls' = 'tcp';

  onConnect: ((conn: this) => void) | null = null;
  onWebSocketConnect: ((conn: this, response: HandshakeResponse) => void) | null = null;
  onMessage: ((conn: this, data: M) => void) | null = null;
  onClose: ((conn: this) => void) | null = null;
  onError: ((conn: this, code: number, message: string) => void) | null = null;
  onBufferFull: ((conn: this) => void) | null = null;
  onBufferDrain: ((conn: this) => void) | null = null;

  private readonly target: Target;
  private _headers: Record<string, string> = {};
  private link: Link | null = null;
  private socket: Socket | null = null;
  private bytesInDone = 0;
  private bytesOutDone = 0;
  /** Bytes already added to the process totals when this connection last left the registry. */
  private countedIn = 0;
  private countedOut = 0;
  private queue: SendData[] = [];
  private queuedBytes = 0;
  private bufferFull = false;
  private alive = 0;
  private openedAt: number | null = null;
  private userClosed = false;
  private inFinalOnClose = false;
  private reconnectAfterClose: number | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private phaseTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  /**
   * @param url `ws://`, `wss://`, `tcp://`, `tls://`, `ssl://`, `text://`, `frame://` or a registered scheme.
   * @param options any settable property (options, callbacks), see {@link ConnectionOptions}.
   * @throws TypeError for a malformed URL, unknown scheme, missing port or bad header.
   */
  constructor(url: string, options: ConnectionOptions<AsyncTcpConnection<M>, M> = {}) {
    super();
    this.target = parseTarget(url, knownSchemes());
    if (this.target.scheme !== 'wss' && this.target.scheme !== 'ws' && options.transport === 'tls') this.target.secure = true;
    this.url = url;
    this.displayUrl = this.target.display;
    Object.assign(this, options);
  }

  /** Extra headers for the websocket upgrade request. @throws TypeError on CR/LF (header injection). */
  get headers(): Record<string, string> { return this._headers; }
  set headers(h: Record<string, string>) {
    checkHeaders(h);
    this._headers = h;
  }

  /** Wire bytes received over the life of this object (all attempts). */
  get bytesIn(): number { return this.bytesInDone + (this.socket?.bytesRead ?? 0); }
  /** Wire bytes written over the life of this object (all attempts). */
  get bytesOut(): number { return this.bytesOutDone + (this.socket?.bytesWritten ?? 0); }

  /** Starts connecting. No-op while connecting or open; from `reconnecting` it connects now. */
  connect(): void {
    if (this.state !== 'initial' && this.state !== 'closed' && this.state !== 'reconnecting') return;
    checkHeaders(this._headers);
    this.clearReconnect();
    this.userClosed = false;
    registry.add(this);
    this.setState('connecting');
    this.armPhase(this.connectTimeout, ConnectionError.CONNECT_TIMEOUT, `no connection within ${this.connectTimeout} s`);
    const scheme = this.target.scheme;
    const isWs = scheme === 'ws' || scheme === 'wss';
    const cfg = {
      target: this.target,
      url: this.url,
      headers: this._headers,
      tls: this.tls,
      proxy: this.proxy === false ? null : this.proxy !== undefined ? parseProxy(this.proxy) : isWs ? proxyFromEnv(this.target.secure, this.target.host, this.target.port) : null,
      binary: this.websocketType === Ws.BINARY_TYPE_ARRAYBUFFER,
      maxPackageSize: this.maxPackageSize,
      closeTimeoutMs: this.closeTimeout * 1000,
      protocol: getProtocol(scheme) ?? null,
    };
    this.link = isWs ? openWsLink(this, cfg) : openStreamLink(this, cfg);
  }

  /**
   * Sends one message: `true` written now, `null` queued (not open yet; flushed in order on open),
   * `false` dropped (buffer full -> onError SEND_FAIL, or the connection is closing/closed).
   */
  send(data: SendData): boolean | null {
    const st = this.state;
    if (st === 'open') {
      const link = this.link as Link;
      if (link.bufferedAmount() >= this.maxSendBufferSize) return this.dropSend();
      link.write(data);
      this.messagesOut++;
      Counters.messagesOut++;
      if (!this.bufferFull && link.bufferedAmount() >= this.maxSendBufferSize) this.markFull();
      return true;
    }
    if (st === 'closing' || st === 'closed') {
      Counters.sendFailures++;
      return false;
    }
    if (this.queuedBytes >= this.maxSendBufferSize) return this.dropSend();
    this.queue.push(data);
    this.queuedBytes += byteSize(data);
    if (this.queuedBytes >= this.maxSendBufferSize) this.markFull();
    return null;
  }

  /**
   * Closes gracefully (websocket close frame `code`/`reason`, default 1000) and cancels any pending reconnect.
   * `onClose` fires when the socket is gone. A `reConnect()` called inside that `onClose` is ignored.
   */
  close(code = 1000, reason = ''): void {
    this.clearReconnect();
    this.reconnectAfterClose = null;
    const st = this.state;
    if (st === 'reconnecting' || st === 'initial' || st === 'closed') return this.finish();
    if (st === 'closing' && this.userClosed) return;
    this.userClosed = true;
    if (st === 'open') {
      (this.link as Link).close(code, reason);
      this.setState('closing');
    } else {
      (this.link as Link).destroy();
    }
  }

  /** Drops the connection now (no close handshake) and cancels any pending reconnect. */
  destroy(): void {
    this.clearReconnect();
    this.reconnectAfterClose = null;
    if (this.link === null) return this.finish();
    this.userClosed = true;
    this.link.destroy();
  }

  /**
   * Reconnects after `delaySeconds` (fractional allowed). Works from anywhere: while open it closes the current
   * connection (close 1000, `onClose` fires) first. Callbacks are kept.
   */
  reConnect(delaySeconds = 0): void {
    if (this.inFinalOnClose) return;
    const replacing = this.reconnectTimer !== null;
    this.clearReconnect();
    registry.add(this);
    if (this.link !== null) {
      this.reconnectAfterClose = delaySeconds;
      this.userClosed = false;
      if (this.state === 'open') {
        this.link.close(1000, '');
        this.setState('closing');
      } else if (this.state !== 'closing') {
        this.link.destroy();
      }
      return;
    }
    this.schedule(delaySeconds, !replacing);
  }

  /** Cancels a pending reconnect (manual or automatic). A connection waiting to reconnect becomes closed. */
  cancelReconnect(): void {
    this.reconnectAfterClose = null;
    if (this.state === 'reconnecting') this.finish();
    this.clearReconnect();
  }

  /** A plain JSON-safe snapshot for status displays (no header values, no credentials). */
  info(): ConnectionInfo {
    return {
      id: this.id, url: this.displayUrl, state: this.state, localAddress: this.localAddress, remoteAddress: this.remoteAddress,
      bytesIn: this.bytesIn, bytesOut: this.bytesOut, messagesIn: this.messagesIn, messagesOut: this.messagesOut,
      queuedBytes: this.queuedBytes, reconnectAttempts: this.reconnectAttempts, nextRetryAt: this.nextRetryAt,
      openedAt: this.openedAt, closeCode: this.closeCode, closeReason: this.closeReason,
      lastError: this.lastError === null ? null : { code: this.lastError.code, message: this.lastError.message },
    };
  }

  // ---- LinkOwner: what the transport reports ------------------------------------------------------------

  /** @internal */
  _linkConnected(link: Link, socket: Socket): void {
    if (link !== this.link) return;
    this.socket = socket;
    this.localAddress = `${socket.localAddress}:${socket.localPort}`;
    this.remoteAddress = `${socket.remoteAddress}:${socket.remotePort}`;
    const ws = this.target.scheme === 'ws' || this.target.scheme === 'wss';
    if (ws) {
      this.setState('handshaking');
      this.armPhase(this.handshakeTimeout, ConnectionError.HANDSHAKE_TIMEOUT, `no answer to the upgrade request within ${this.handshakeTimeout} s`);
      this.callback(this.onConnect, 'connect');
    }
  }

  /** @internal */
  _linkOpen(link: Link, response: HandshakeResponse | null): void {
    if (link !== this.link) return;
    this.clearPhase();
    this.openedAt = Date.now();
    this.setState('open');
    this.startLiveness();
    this.flushQueue(link);
    if (response !== null) this.callback(this.onWebSocketConnect, 'open', response);
    else this.callback(this.onConnect, 'connect');
  }

  /** @internal Hot path: one inbound message. */
  _linkMessage(data: unknown): void {
    if (this.state !== 'open' && this.state !== 'closing') return;
    this.messagesIn++;
    Counters.messagesIn++;
    const cb = this.onMessage;
    if (cb !== null) {
      try {
        cb(this, data as M);
      } catch (err) {
        rethrowLater(err);
      }
    }
    if (this.listenerCount('message') !== 0) this.emitSafe('message', data);
  }

  /** @internal */
  _linkAlive(): void {
    this.alive++;
  }

  /** @internal */
  _linkFault(link: Link, f: ConnectionFault): void {
    if (link !== this.link || this.userClosed) return;
    this.lastError = f;
    this.clearTimers();
    this.callback(this.onError, 'error', f.code, f.message);
  }

  /** @internal */
  _linkClosed(link: Link, code: number | null, reason: string): void {
    if (link !== this.link) return;
    this.clearTimers();
    this.link = null;
    if (this.socket !== null) {
      this.bytesInDone += this.socket.bytesRead;
      this.bytesOutDone += this.socket.bytesWritten;
      this.socket = null;
    }
    this.closeCode = code;
    this.closeReason = reason;
    const wasOpenFor = this.openedAt === null ? 0 : (Date.now() - this.openedAt) / 1000;
    this.openedAt = null;
    const policy = this.reconnect === null ? null : resolvePolicy(this.reconnect);
    if (wasOpenFor >= (policy?.resetAfter ?? 30)) this.reconnectAttempts = 0;
    // Decide before onClose, so that onClose sees state 'reconnecting', nextRetryAt and reconnectAttempts.
    let delay = this.reconnectAfterClose;
    this.reconnectAfterClose = null;
    const userClosed = this.userClosed;
    if (delay === null && policy !== null && !userClosed && this.reconnectAttempts < policy.maxAttempts) {
      delay = reconnectDelay(policy, this.reconnectAttempts);
    }
    this.setState('closed');
    if (delay !== null) this.schedule(delay);
    this.inFinalOnClose = userClosed;
    try {
      this.callback(this.onClose, 'close');
    } finally {
      this.inFinalOnClose = false;
    }
    if (this.state === 'closed') this.finish();
  }

  /** @internal */
  _linkDrain(link: Link): void {
    if (link !== this.link || !this.bufferFull || this.queuedBytes > 0) return;
    if (link.bufferedAmount() >= this.maxSendBufferSize) return;
    this.bufferFull = false;
    this.callback(this.onBufferDrain, 'bufferDrain');
  }

  // ---- internals -----------------------------------------------------------------------------------------

  /** The one place states change. */
  private setState(next: ConnectionState): void {
    this.state = next;
  }

  /** Arms the reconnect timer; `count` is false when it replaces an already counted pending attempt. */
  private schedule(delaySeconds: number, count = true): void {
    const ms = Math.max(0, delaySeconds * 1000);
    if (count) {
      this.reconnectAttempts++;
      Counters.reconnects++;
    }
    this.nextRetryAt = Date.now() + ms;
    registry.add(this);
    this.setState('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.nextRetryAt = null;
      this.connect();
    }, ms);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.nextRetryAt = null;
  }

  /** Final close: leaves the registry and forgets queued sends. */
  private finish(): void {
    this.clearReconnect();
    if (this.state !== 'closed') this.setState('closed');
    if (this.queue.length > 0) {
      this.queue = [];
      this.queuedBytes = 0;
    }
    this.bufferFull = false;
    if (registry.delete(this)) {
      closedBytes.in += this.bytesIn - this.countedIn;
      closedBytes.out += this.bytesOut - this.countedOut;
      this.countedIn = this.bytesIn;
      this.countedOut = this.bytesOut;
    }
  }

  private flushQueue(link: Link): void {
    if (this.queue.length === 0) return;
    const q = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    for (const data of q) link.write(data);
    this.messagesOut += q.length;
    Counters.messagesOut += q.length;
    if (this.bufferFull && link.bufferedAmount() < this.maxSendBufferSize) {
      this.bufferFull = false;
      this.callback(this.onBufferDrain, 'bufferDrain');
    }
  }

  private dropSend(): false {
    Counters.sendFailures++;
    const f = fault(ConnectionError.SEND_FAIL, this.target.where, `send buffer full (maxSendBufferSize ${this.maxSendBufferSize} bytes)`);
    this.callback(this.onError, 'error', f.code, f.message);
    return false;
  }

  private markFull(): void {
    this.bufferFull = true;
    this.callback(this.onBufferFull, 'bufferFull');
  }

  private armPhase(seconds: number, code: ConnectionFault['code'], detail: string): void {
    this.clearPhase();
    if (!(seconds > 0)) return;
    this.phaseTimer = setTimeout(() => this.timeout(fault(code, this.target.where, detail)), seconds * 1000);
    this.phaseTimer.unref();
  }

  private clearPhase(): void {
    if (this.phaseTimer !== null) clearTimeout(this.phaseTimer);
    this.phaseTimer = null;
  }

  /** A liveness or phase timer fired: report it and drop the socket. */
  private timeout(f: ConnectionFault): void {
    const link = this.link;
    if (link === null) return;
    this._linkFault(link, f);
    link.destroy();
  }

  private activity(): number {
    return this.messagesIn + this.alive;
  }

  private startLiveness(): void {
    const ping = this.websocketPingInterval;
    if (ping > 0 && (this.target.scheme === 'ws' || this.target.scheme === 'wss')) {
      this.pingTimer = setInterval(() => this.sendPing(), ping * 1000);
      this.pingTimer.unref();
    }
    const idle = this.idleTimeout;
    if (idle > 0) {
      let mark = this.activity();
      let seen = Date.now();
      this.idleTimer = setInterval(() => {
        const now = Date.now();
        if (this.activity() !== mark) {
          mark = this.activity();
          seen = now;
        } else if (now - seen >= idle * 1000) {
          this.timeout(fault(ConnectionError.IDLE_TIMEOUT, this.target.where, `for ${idle} s (idleTimeout)`));
        }
      }, Math.max(10, (idle * 1000) / 4));
      this.idleTimer.unref();
    }
  }

  private sendPing(): void {
    const link = this.link;
    if (link === null || this.state !== 'open') return;
    link.ping();
    if (this.pongTimer !== null || !(this.pongTimeout > 0)) return;
    const mark = this.activity();
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      if (this.activity() === mark) this.timeout(fault(ConnectionError.PONG_TIMEOUT, this.target.where, `nothing received within ${this.pongTimeout} s (pongTimeout)`));
    }, this.pongTimeout * 1000);
    this.pongTimer.unref();
  }

  private clearTimers(): void {
    this.clearPhase();
    for (const t of [this.pingTimer, this.pongTimer, this.idleTimer]) if (t !== null) clearInterval(t);
    this.pingTimer = this.pongTimer = this.idleTimer = null;
  }

  /** Runs a user callback, then emits the matching event; exceptions are re-thrown on the next tick. */
  private callback<A extends unknown[]>(cb: ((conn: this, ...args: A) => void) | null, event: string, ...args: A): void {
    if (cb !== null) {
      try {
        cb(this, ...args);
      } catch (err) {
        rethrowLater(err);
      }
    }
    if (event !== 'error' || this.listenerCount('error') !== 0) this.emitSafe(event, ...args);
  }

  private emitSafe(event: string, ...args: unknown[]): void {
    try {
      this.emit(event, ...args);
    } catch (err) {
      rethrowLater(err);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
