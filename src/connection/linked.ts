// What a connection's link reports (connected, open, message, fault, close, drain) and the liveness
// timers' callbacks, the send buffer's full/drain bookkeeping, and how user callbacks run. The received-
// message path is protocol/ws.ts (or transport/stream.ts) -> _linkMessage here -> the user's onMessage.
import type { Socket } from 'node:net';
import { forgetAddressCache, internIp } from './addresses.js';
import { ConnectionError, fault, type ConnectionFault } from './errors.js';
import type { HandshakeResponse, Link } from './link.js';
import { Liveness } from './liveness.js';
import { ConnectionMachine } from './machine.js';
import { decideReconnect } from './reconnect.js';
import { coarseClock, Counters, rethrowLater } from './registry.js';
import { isWebSocket } from './url.js';

export abstract class LinkedConnection<M> extends ConnectionMachine<M> {
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
    if (isWebSocket(this.target.scheme)) {
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
    const pingSeconds = isWebSocket(this.target.scheme) ? this.websocketPingInterval : 0;
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
    if (this._state !== 'open' && this._state !== 'closing') return;
    this._messagesIn++;
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
    this._lastError = f;
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
    this._closeCode = code;
    this._closeReason = reason;
    const openFor = this.openedAt === null ? 0 : (Date.now() - this.openedAt) / 1000;
    this.openedAt = null;
    const userClosed = this.userClosed;
    const { delay, attempts } = decideReconnect({
      requestedDelay: this.reconnectAfterClose,
      policy: this.reconnect,
      userClosed,
      attempts: this._reconnectAttempts,
      openFor,
    });
    this._reconnectAttempts = attempts;
    this.reconnectAfterClose = null;
    this.setState('closed');
    if (delay !== null) this.schedule(delay);
    this.inFinalOnClose = userClosed;
    try {
      this.callback(this.onClose, 'close');
    } finally {
      this.inFinalOnClose = false;
    }
    if (this._state === 'closed') this.finish();
  }

  /** @internal */
  _linkDrain(link: Link): void {
    if (link !== this.link || !this.bufferFull || this.queuedBytes > 0) return;
    if (link.bufferedAmount() >= this.maxSendBufferSize) return;
    this.bufferFull = false;
    this.callback(this.onBufferDrain, 'bufferDrain');
  }

  // ---- LivenessHost ---------------------------------------------------------------------------------------

  /** @internal Liveness: a number that changes whenever anything arrives. */
  _livenessActivity(): number {
    return this._messagesIn + this.alive;
  }

  /** @internal Liveness: one ping frame. */
  _livenessPing(): void {
    if (this._state === 'open') this.link?.ping();
  }

  /** @internal Liveness: a deadline passed: report it and drop the socket. */
  _livenessExpire(f: ConnectionFault): void {
    const link = this.link;
    if (link === null) return;
    this._linkFault(link, f);
    link.destroy();
  }

  // ---- the send buffer ------------------------------------------------------------------------------------

  protected flushQueue(link: Link): void {
    const q = this.queue;
    if (q === null) return;
    this.queue = null;
    const written = q.flush(link);
    this._messagesOut += written;
    Counters.messagesOut += written;
    const buffered = link.bufferedAmount();
    if (this.bufferFull && buffered < this.maxSendBufferSize) {
      this.bufferFull = false;
      this.callback(this.onBufferDrain, 'bufferDrain');
    } else if (!this.bufferFull && buffered >= this.maxSendBufferSize) {
      this.markFull(); // the queue fitted, its frames with their headers do not: the next send() is dropped
    }
  }

  protected dropSend(): false {
    Counters.sendFailures++;
    const f = fault(
      ConnectionError.SEND_FAIL,
      this.target.where,
      `send buffer full (maxSendBufferSize ${this.maxSendBufferSize} bytes)`,
    );
    this.callback(this.onError, 'error', f.code, f.message);
    return false;
  }

  protected markFull(): void {
    this.bufferFull = true;
    if (this._state === 'open') this.link?.watchDrain();
    this.callback(this.onBufferFull, 'bufferFull');
  }

  protected timers(): Liveness {
    return (this.liveness ??= new Liveness(this, this.target.where));
  }

  /** Runs a user callback, then emits the matching event; exceptions are re-thrown on the next tick. */
  protected callback<A extends unknown[]>(
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

  protected emitSafe(event: string, ...args: unknown[]): void {
    try {
      this.emit(event, ...args);
    } catch (err) {
      rethrowLater(err);
    }
  }
}
