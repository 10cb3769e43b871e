// The facade: the public methods (connect, send, close, destroy, reConnect, info) and the process-wide
// statics. What happens between those calls (state, link events, reconnects, callbacks) is machine.ts,
// which this class extends; transports live in transport/ and protocol/.
import { ConfigError } from '../shared/config-error.js';
import { rememberHeaderSecrets, setSecretHeaderNames } from './secrets.js';
import { warnIfUnverified } from './tls-warning.js';
import { ConnectionError } from './errors.js';
import type { Link, LinkConfig, LinkOwner, SendData } from './link.js';
import { getProtocol, knownSchemes, registerProtocol, type Protocol } from './protocol/Protocol.js';
import { openWsLink, Ws } from './protocol/ws.js';
import { checkCloseFrame } from './protocol/ws-faults.js';
import { openStreamLink } from './transport/stream.js';
import { parseProxy, proxyFromEnv } from './transport/proxy.js';
import { checkHeaders, isWebSocket, parseTarget, type Target } from './url.js';
import { show } from '../shared/show.js';
import type { ConnectionInfo, ConnectionOptions, ConnectionTotals } from './types.js';
import type { LivenessHost } from './liveness.js';
import { LinkedConnection } from './linked.js';
import { SendQueue } from './send-queue.js';
import { checkOptionKeys, checkSettings } from './settings-check.js';
import {
  closeAll,
  coarseEpoch,
  Counters,
  live as registry,
  nextConnectionId,
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
  extends LinkedConnection<M>
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
  protected readonly target: Target;

  /**
   * @param url `ws://`, `wss://`, `tcp://`, `tls://`, `ssl://`, `text://`, `frame://` or a registered scheme.
   * @param options any settable property (options, callbacks), see {@link ConnectionOptions}.
   * @throws ConfigError (a TypeError) for a malformed URL, unknown scheme, missing port or bad header.
   */
  constructor(url: string, options: ConnectionOptions<AsyncTcpConnection<M>, M> = {}) {
    super();
    this.target = targetOf(url);
    checkOptionKeys(options);
    Object.assign(this, options);
    checkSettings(this);
  }

  /** The URL as given. */
  get url(): string {
    return this.target.url;
  }
  /** The URL with credentials and query-string values masked: safe to print. */
  get displayUrl(): string {
    return this.target.display;
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

  /**
   * Starts connecting. No-op while connecting or open; from `reconnecting` it connects now.
   * @throws ConfigError (a TypeError) for a header with CR/LF or a malformed proxy URL (nothing changes then).
   */
  connect(): void {
    if (this._state !== 'initial' && this._state !== 'closed' && this._state !== 'reconnecting') return;
    checkHeaders(this.headersOrNone);
    checkSettings(this);
    rememberHeaderSecrets(this.headersOrNone);
    const { scheme } = this.target;
    const isWs = isWebSocket(scheme);
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
    const st = this._state;
    if (st === 'open') {
      const link = this.link as Link;
      // One buffer read per message: below the limit after the last send (else bufferFull is set), the
      // buffer has only shrunk since, so it is read before writing only while it is marked full.
      if (this.bufferFull && link.bufferedAmount() >= this.maxSendBufferSize) return this.dropSend();
      if (!link.write(data)) {
        Counters.sendFailures++;
        return false;
      }
      this._messagesOut++;
      Counters.messagesOut++;
      if (!this.bufferFull && link.bufferedAmount() >= this.maxSendBufferSize) this.markFull();
      return true;
    }
    if (st === 'closing' || st === 'closed') {
      Counters.sendFailures++;
      return false;
    }
    if (this.queuedBytes >= this.maxSendBufferSize) return this.dropSend();
    const queue = (this.queue ??= new SendQueue());
    queue.push(data);
    if (queue.bytes >= this.maxSendBufferSize) this.markFull();
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
    if (isWebSocket(scheme)) checkCloseFrame(code, reason);
    const st = this._state;
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
      throw new ConfigError(
        `AsyncTcpConnection: reConnect(delaySeconds) needs a number of seconds >= 0, got ${show(delaySeconds)}`,
      );
    }
    if (this.inFinalOnClose) return;
    const replacing = this.reconnectTimer !== null;
    this.clearReconnect();
    registry.add(this);
    if (this.link !== null) {
      this.reconnectAfterClose = delaySeconds;
      this.userClosed = false;
      if (this._state === 'open') {
        this.link.close(1000, '');
        this.setState('closing');
      } else if (this._state !== 'closing') {
        this.link.destroy();
      }
      return;
    }
    this.schedule(delaySeconds, !replacing);
  }

  /** Cancels a pending reconnect (manual or automatic). A connection waiting to reconnect becomes closed. */
  cancelReconnect(): void {
    this.reconnectAfterClose = null;
    if (this._state === 'reconnecting') this.finish();
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
