// The facade: URL, options, callbacks, the state machine (every transition in setState), the send contract,
// reconnects and liveness timers. Transports live in transport/ and protocol/; this file only orchestrates.
import { ConfigError } from '../shared/config-error.js';
import { rememberHeaderSecrets, setSecretHeaderNames } from './secrets.js';
import { warnIfUnverified } from './tls-warning.js';
import type { Socket } from 'node:net';
import { resolvePolicy, reconnectDelay } from './backoff.js';
import { ConnectionError, fault, type ConnectionFault } from './errors.js';
import type { HandshakeResponse, Link, LinkConfig, LinkOwner, SendData } from './link.js';
import { getProtocol, knownSchemes, registerProtocol, type Protocol } from './protocol/Protocol.js';
import { openWsLink, Ws } from './protocol/ws.js';
import { openStreamLink } from './transport/stream.js';
import { parseProxy, proxyFromEnv } from './transport/proxy.js';
import { checkHeaders, parseTarget, type Target } from './url.js';
import type { ConnectionInfo, ConnectionOptions, ConnectionState, ConnectionTotals } from './types.js';
import { Liveness, type LivenessHost } from './liveness.js';
import { checkOptionKeys, checkSettings, ConnectionSettings } from './settings.js';
import {
  byteSize,
  closeAll,
  coarseClock,
  coarseEpoch,
  countClosed,
  Counters,
  live as registry,
  nextConnectionId,
  rethrowLater,
  startClock,
  totals,
  type Tracked,
} from './registry.js';

/**
 * A client connection that Workerman users know: `new AsyncTcpConnection('ws://host:port/path')`, set
 * callbacks, `connect()`. Also emits `connect`, `open`, `message`, `close` and `error` events.
 * Callbacks run after the connection's own bookkeeping; an exception thrown by one is re-thrown on the next
 * tick (an uncaught exception the worker process reports), never swallowed.
 */
export class AsyncTcpConnection<M = string | Buffer>
  extends ConnectionSettings<M>
  implements LinkOwner, LivenessHost, Tracked
{
  /** Every connection that was `connect()`ed and is not finally closed (including those waiting to reconnect). */
  static get connections(): ReadonlySet<AsyncTcpConnection<unknown>> {
    return registry as Set<AsyncTcpConnection<unknown>>;
  }
  /** Process-wide counters: messages and wire bytes in/out, reconnects scheduled, sends dropped. */
  static get totals(): ConnectionTotals {
    return totals();
  }
  /**
   * Names of request headers whose values are secrets, besides Cookie, Authorization, Proxy-Authorization
   * and Sec-WebSocket-Protocol (always secret). Their values are masked in crash output and start failures
   * (header values never appear in status, connections or our log lines). Default `[]`. Case-insensitive.
   */
  static get secretHeaders(): string[] {
    return secretHeaderNames;
  }
  static set secretHeaders(names: string[]) {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string'))
      throw new ConfigError('AsyncTcpConnection.secretHeaders must be an array of header names');
    secretHeaderNames = [...names];
    setSecretHeaderNames(secretHeaderNames);
  }
  /** Registers a stream protocol under `name` (used as `name://host:port`). See {@link Protocol}. */
  static registerProtocol(name: string, protocol: Protocol): void {
    registerProtocol(name, protocol);
  }

  /**
   * Closes every connection (websocket close `code`, default 1001 "going away") and cancels every reconnect.
   * Resolves when all are closed; connections still open after ~2 s are destroyed.
   */
  static closeAll(code = 1001, reason = ''): Promise<void> {
    return closeAll(code, reason);
  }

  /** Process-unique id, kept across reconnects. */
  readonly id = nextConnectionId();
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
  // Addresses as interned IP strings and port numbers, rendered on read: 10,000 connections to one server
  // share two IP strings instead of keeping four strings and two socket-cached objects each.
  private localIp: string | null = null;
  private localPort = 0;
  private remoteIp: string | null = null;
  private remotePort = 0;
  /** Close code of the last close (websocket: what the server sent, 1006 if none); null for streams or before any close. */
  closeCode: number | null = null;
  /** Close reason the server sent (websocket). */
  closeReason = '';
  /** The last fault reported through onError (SEND_FAIL excluded). */
  lastError: ConnectionFault | null = null;

  /** `coarseClock.tick` of the last inbound message (0 = none yet); see `lastMessageAt`. */
  private lastMessageTick = 0;
  private readonly target: Target;
  private link: Link | null = null;
  private socket: Socket | null = null;
  private bytesInDone = 0;
  private bytesOutDone = 0;
  /** Bytes already added to the process totals when this connection last left the registry. */
  private countedIn = 0;
  private countedOut = 0;
  /** Sends waiting for the open; created by the first one. */
  private queue: SendData[] | null = null;
  private queuedBytes = 0;
  private bufferFull = false;
  private alive = 0;
  private openedAt: number | null = null;
  private userClosed = false;
  private inFinalOnClose = false;
  private reconnectAfterClose: number | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Deadlines and liveness timers; only while something is timed (connecting, pings, idle watchdog). */
  private liveness: Liveness | null = null;

  /**
   * @param url `ws://`, `wss://`, `tcp://`, `tls://`, `ssl://`, `text://`, `frame://` or a registered scheme.
   * @param options any settable property (options, callbacks), see {@link ConnectionOptions}.
   * @throws ConfigError (a TypeError) for a malformed URL, unknown scheme, missing port or bad header.
   */
  constructor(url: string, options: ConnectionOptions<AsyncTcpConnection<M>, M> = {}) {
    super();
    this.target = targetOf(url);
    this.url = url;
    this.displayUrl = this.target.display;
    checkOptionKeys(options);
    Object.assign(this, options);
    checkSettings(this);
  }

  /** Epoch ms (250 ms resolution) of the last inbound message, or null. */
  get lastMessageAt(): number | null {
    return coarseEpoch(this.lastMessageTick);
  }

  /** `'127.0.0.1:5555'` of the last connected socket, or null before the first connect. */
  get localAddress(): string | null {
    return this.localIp === null ? null : `${this.localIp}:${this.localPort}`;
  }
  /** `'127.0.0.1:5555'` of the peer of the last connected socket (the proxy when tunnelled), or null. */
  get remoteAddress(): string | null {
    return this.remoteIp === null ? null : `${this.remoteIp}:${this.remotePort}`;
  }

  /** Wire bytes received over the life of this object (all attempts). */
  get bytesIn(): number {
    return this.bytesInDone + (this.socket?.bytesRead ?? 0);
  }
  /** Wire bytes written over the life of this object (all attempts). */
  get bytesOut(): number {
    return this.bytesOutDone + (this.socket?.bytesWritten ?? 0);
  }

  /**
   * Starts connecting. No-op while connecting or open; from `reconnecting` it connects now.
   * @throws ConfigError (a TypeError) for a header with CR/LF or a malformed proxy URL (nothing changes then).
   */
  connect(): void {
    if (this.state !== 'initial' && this.state !== 'closed' && this.state !== 'reconnecting') return;
    checkHeaders(this.headersOrNone);
    checkSettings(this);
    rememberHeaderSecrets(this.headersOrNone);
    const { scheme } = this.target;
    const isWs = scheme === 'ws' || scheme === 'wss';
    const cfg: LinkConfig = {
      target: !isWs && this.transport === 'tls' ? { ...this.target, secure: true } : this.target,
      url: this.url,
      headers: this.headersOrNone,
      tls: this.tlsOrNone,
      proxy:
        this.proxy === false
          ? null
          : this.proxy !== undefined
            ? parseProxy(this.proxy)
            : isWs
              ? proxyFromEnv(this.target.secure, this.target.host, this.target.port)
              : null,
      binary: this.websocketType === Ws.BINARY_TYPE_ARRAYBUFFER,
      maxPackageSize: this.maxPackageSize,
      skipUTF8Validation: this.skipUTF8Validation,
      closeTimeoutMs: this.closeTimeout * 1000,
      protocol: getProtocol(scheme) ?? null,
    };
    if (cfg.target.secure) warnIfUnverified(cfg.tls, this.displayUrl);
    this.clearReconnect();
    this.userClosed = false;
    registry.add(this);
    startClock();
    this.setState('connecting');
    this.timers().armPhase(this.connectTimeout, ConnectionError.CONNECT_TIMEOUT);
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
      // One buffer read per message: below the limit after the last send (else bufferFull is set), the
      // buffer has only shrunk since, so it is read before writing only while it is marked full.
      if (this.bufferFull && link.bufferedAmount() >= this.maxSendBufferSize) return this.dropSend();
      if (!link.write(data)) {
        Counters.sendFailures++;
        return false;
      }
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
    (this.queue ??= []).push(data);
    this.queuedBytes += byteSize(data);
    if (this.queuedBytes >= this.maxSendBufferSize) this.markFull();
    return null;
  }

  /**
   * Closes gracefully (websocket close frame `code`/`reason`, default 1000) and cancels any pending reconnect.
   * `onClose` fires when the socket is gone. A `reConnect()` called inside that `onClose` is ignored.
   * @throws TypeError (from `ws`) for a code websocket does not allow (e.g. 1005, 1006) or a reason over 123
   * bytes; the connection is then left as it was.
   */
  close(code = 1000, reason = ''): void {
    const { scheme } = this.target;
    if (scheme === 'ws' || scheme === 'wss') checkCloseFrame(code, reason);
    const st = this.state;
    if (st === 'closing' && this.userClosed) return;
    if (st === 'open') (this.link as Link).close(code, reason);
    this.clearReconnect();
    this.reconnectAfterClose = null;
    if (st === 'reconnecting' || st === 'initial' || st === 'closed') return this.finish();
    this.userClosed = true;
    if (st === 'open') {
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
    if (typeof delaySeconds !== 'number' || !(delaySeconds >= 0) || delaySeconds === Infinity) {
      const shown = typeof delaySeconds === 'string' ? JSON.stringify(delaySeconds) : String(delaySeconds);
      throw new ConfigError(
        `AsyncTcpConnection: reConnect(delaySeconds) needs a number of seconds >= 0, got ${shown}`,
      );
    }
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
      id: this.id,
      url: this.displayUrl,
      state: this.state,
      localAddress: this.localAddress,
      remoteAddress: this.remoteAddress,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      queuedBytes: this.queuedBytes,
      reconnectAttempts: this.reconnectAttempts,
      nextRetryAt: this.nextRetryAt,
      openedAt: this.openedAt,
      lastMessageAt: this.lastMessageAt,
      closeCode: this.closeCode,
      closeReason: this.closeReason,
      lastError:
        this.lastError === null ? null : { code: this.lastError.code, message: this.lastError.message },
    };
  }

  /** @internal Wire bytes not yet added to the process totals of closed connections. */
  uncountedBytes(): { in: number; out: number } {
    return { in: this.bytesIn - this.countedIn, out: this.bytesOut - this.countedOut };
  }

  // ---- LinkOwner: what the transport reports ------------------------------------------------------------

  /** @internal */
  _linkConnected(link: Link, socket: Socket): void {
    if (link !== this.link) return;
    this.socket = socket;
    this.localIp = internIp(socket.localAddress);
    this.localPort = socket.localPort ?? 0;
    this.remoteIp = internIp(socket.remoteAddress);
    this.remotePort = socket.remotePort ?? 0;
    forgetAddressCache(socket);
    const ws = this.target.scheme === 'ws' || this.target.scheme === 'wss';
    if (ws) {
      this.setState('handshaking');
      this.timers().armPhase(this.handshakeTimeout, ConnectionError.HANDSHAKE_TIMEOUT);
      this.callback(this.onConnect, 'connect');
    }
  }

  /** @internal */
  _linkOpen(link: Link, response: HandshakeResponse | null): void {
    if (link !== this.link) return;
    this.liveness?.stop();
    this.openedAt = Date.now();
    this.setState('open');
    const isWs = this.target.scheme === 'ws' || this.target.scheme === 'wss';
    const pingSeconds = isWs ? this.websocketPingInterval : 0;
    if (pingSeconds > 0 || this.idleTimeout > 0) {
      link.watchAlive();
      this.timers().start(pingSeconds, this.pongTimeout, this.idleTimeout);
    } else {
      this.liveness = null; // nothing timed while open: an idle connection keeps no timer state
    }
    this.flushQueue(link);
    if (this.bufferFull) link.watchDrain();
    if (response !== null) this.callback(this.onWebSocketConnect, 'open', response);
    else this.callback(this.onConnect, 'connect');
  }

  /** @internal Hot path: one inbound message. */
  _linkMessage(data: unknown): void {
    if (this.state !== 'open' && this.state !== 'closing') return;
    this.messagesIn++;
    Counters.messagesIn++;
    this.lastMessageTick = coarseClock.tick;
    const cb = this.onMessage;
    if (cb !== null) {
      try {
        cb(this, data as M);
      } catch (err) {
        rethrowLater(err);
      }
    }
    if (this.hasMessageListeners) this.emitSafe('message', data);
  }

  /** @internal */
  _linkAlive(): void {
    this.alive++;
  }

  /** @internal */
  _linkFault(link: Link, f: ConnectionFault): void {
    if (link !== this.link || this.userClosed) return;
    this.lastError = f;
    this.liveness?.stop();
    this.callback(this.onError, 'error', f.code, f.message);
  }

  /** @internal */
  _linkClosed(link: Link, code: number | null, reason: string): void {
    if (link !== this.link) return;
    this.liveness?.stop();
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
    const policy =
      this.reconnect === null || this.reconnect === undefined || this.reconnect === false
        ? null
        : resolvePolicy(this.reconnect);
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
    if (this.queue !== null) {
      this.queue = null;
      this.queuedBytes = 0;
    }
    this.bufferFull = false;
    if (registry.delete(this)) {
      countClosed(this.uncountedBytes());
      this.countedIn = this.bytesIn;
      this.countedOut = this.bytesOut;
    }
  }

  private flushQueue(link: Link): void {
    const q = this.queue;
    if (q === null) return;
    this.queue = null;
    this.queuedBytes = 0;
    let written = 0;
    for (const data of q) if (link.write(data)) written++;
    this.messagesOut += written;
    Counters.messagesOut += written;
    const buffered = link.bufferedAmount();
    if (this.bufferFull && buffered < this.maxSendBufferSize) {
      this.bufferFull = false;
      this.callback(this.onBufferDrain, 'bufferDrain');
    } else if (!this.bufferFull && buffered >= this.maxSendBufferSize) {
      this.markFull(); // the queue fitted, its frames with their headers do not: the next send() is dropped
    }
  }

  private dropSend(): false {
    Counters.sendFailures++;
    const f = fault(
      ConnectionError.SEND_FAIL,
      this.target.where,
      `send buffer full (maxSendBufferSize ${this.maxSendBufferSize} bytes)`,
    );
    this.callback(this.onError, 'error', f.code, f.message);
    return false;
  }

  private markFull(): void {
    this.bufferFull = true;
    if (this.state === 'open') this.link?.watchDrain();
    this.callback(this.onBufferFull, 'bufferFull');
  }

  private timers(): Liveness {
    return (this.liveness ??= new Liveness(this, this.target.where));
  }

  /** @internal Liveness: a number that changes whenever anything arrives. */
  _livenessActivity(): number {
    return this.messagesIn + this.alive;
  }

  /** @internal Liveness: one ping frame. */
  _livenessPing(): void {
    if (this.state === 'open') this.link?.ping();
  }

  /** @internal Liveness: a deadline passed: report it and drop the socket. */
  _livenessExpire(f: ConnectionFault): void {
    const link = this.link;
    if (link === null) return;
    this._linkFault(link, f);
    link.destroy();
  }

  /** Runs a user callback, then emits the matching event; exceptions are re-thrown on the next tick. */
  private callback<A extends unknown[]>(
    cb: ((conn: this, ...args: A) => void) | null,
    event: string,
    ...args: A
  ): void {
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

/**
 * Parsed targets by URL, shared (frozen) by every connection to the same URL: the parse and its strings
 * (~0.3 KiB) are paid once, not per connection. Bounded: cleared when it grows past 1,024 URLs.
 */
const targets = new Map<string, Target>();

let secretHeaderNames: string[] = [];

function targetOf(url: string): Target {
  let t = targets.get(url);
  if (t === undefined) {
    t = Object.freeze(parseTarget(url, knownSchemes()));
    if (targets.size >= 1024) targets.clear();
    targets.set(url, t);
  }
  return t;
}

/** IP strings seen, so that connections to one server share one string each. Bounded like `targets`. */
const ips = new Map<string, string>();

function internIp(ip: string | undefined): string | null {
  if (ip === undefined) return null; // the socket is already gone: address unknown
  const known = ips.get(ip);
  if (known !== undefined) return known;
  if (ips.size >= 1024) ips.clear();
  ips.set(ip, ip);
  return ip;
}

/**
 * Reading a socket's addresses makes Node cache them on the socket (`_sockname`/`_peername`, an object and a
 * string each, for the socket's life). We keep our own copy, so drop those; Node re-reads them if asked.
 */
function forgetAddressCache(socket: Socket): void {
  const s = socket as Socket & { _sockname?: unknown; _peername?: unknown };
  s._sockname = undefined;
  s._peername = undefined;
}

/**
 * The close codes a websocket endpoint may send (RFC 6455 7.4: 1000-1003, 1007-1014, 3000-4999) and a reason
 * of at most 123 bytes; checked before anything changes, with a sentence instead of `ws`'s terse message.
 */
function checkCloseFrame(code: unknown, reason: unknown): void {
  const allowed =
    typeof code === 'number' &&
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
  if (!allowed) {
    throw new ConfigError(
      `AsyncTcpConnection: close(${typeof code === 'string' ? JSON.stringify(code) : String(code)}): websocket does not allow sending this close code (use 1000-1003, 1007-1014 or 3000-4999)`,
    );
  }
  if (typeof reason !== 'string' || Buffer.byteLength(reason) > 123) {
    throw new ConfigError(
      `AsyncTcpConnection: close(${code}, reason): the reason must be a string of at most 123 bytes`,
    );
  }
}
