// The connection's state machine: its state and counters (read-only outside, as ws's readyState; every
// transition in setState, checked by state.ts), the reconnect timer, and the final close. One class of a
// chain that makes one object per connection (no per-connection closures or helper objects: the memory
// per idle connection in docs/benchmarks.md):
//   ConnectionSettings (settings.ts: options, callbacks) -> ConnectionMachine (this file)
//   -> LinkedConnection (linked.ts: what the link reports, callbacks, send buffer)
//   -> AsyncTcpConnection (the public methods and statics).
import type { Socket } from 'node:net';
import type { ConnectionFault } from './errors.js';
import type { Link } from './link.js';
import type { Liveness } from './liveness.js';
import { countClosed, Counters, live as registry } from './registry.js';
import { definePast, type Past } from './past.js';
import type { SendQueue } from './send-queue.js';
import { ConnectionSettings } from './settings.js';
import { checkMove } from './state.js';
import type { ConnectionState } from './types.js';
import type { Target } from './url.js';

export abstract class ConnectionMachine<M> extends ConnectionSettings<M> {
  protected _state: ConnectionState = 'initial';
  protected _messagesIn = 0;
  protected _messagesOut = 0;
  // Addresses as interned IP strings and port numbers, rendered on read: 10,000 connections to one server
  // share two IP strings instead of keeping four strings and two socket-cached objects each.
  protected localIp: string | null = null;
  protected localPort = 0;
  protected remoteIp: string | null = null;
  protected remotePort = 0;
  /** `coarseClock.tick` of the last inbound message (0 = none yet); see `lastMessageAt`. */
  protected lastMessageTick = 0;
  protected link: Link | null = null;
  protected socket: Socket | null = null;
  /** Sends waiting for the open; created by the first one. */
  protected queue: SendQueue | null = null;
  protected bufferFull = false;
  protected openedAt: number | null = null;
  protected userClosed = false;
  /** Deadlines and liveness timers; only while something is timed (connecting, pings, idle watchdog). */
  protected liveness: Liveness | null = null;
  protected abstract readonly target: Target;
  /** What closes, faults, reconnects and pings leave; created by the first such write (past.ts). */
  protected past: Past | null = null;
  // Backed by `past` (accessors on the prototype, below the class): an idle connection that never closed,
  // faulted or reconnected keeps none of them.
  declare protected _reconnectAttempts: number;
  declare protected _nextRetryAt: number | null;
  declare protected _closeCode: number | null;
  declare protected _closeReason: string;
  declare protected _lastError: ConnectionFault | null;
  /** Wire bytes of this object's earlier sockets. */
  declare protected bytesInDone: number;
  declare protected bytesOutDone: number;
  /** Bytes already added to the process totals when this connection last left the registry. */
  declare protected countedIn: number;
  declare protected countedOut: number;
  /** Pings and pongs received (liveness). */
  declare protected alive: number;
  declare protected inFinalOnClose: boolean;
  declare protected reconnectAfterClose: number | null;
  declare protected reconnectTimer: NodeJS.Timeout | null;

  /** Current state; see docs/connections.md for the transitions. */
  get state(): ConnectionState {
    return this._state;
  }
  /** Messages received over the life of this object (all attempts). */
  get messagesIn(): number {
    return this._messagesIn;
  }
  /** Messages written (or flushed from the queue) over the life of this object. */
  get messagesOut(): number {
    return this._messagesOut;
  }
  /** Consecutive reconnect attempts (reset by a long enough open). */
  get reconnectAttempts(): number {
    return this._reconnectAttempts;
  }
  /** Epoch ms of the pending reconnect, or null. */
  get nextRetryAt(): number | null {
    return this._nextRetryAt;
  }
  /** Close code of the last close (websocket: what the server sent, 1006 if none); null for streams or before any close. */
  get closeCode(): number | null {
    return this._closeCode;
  }
  /** Close reason the server sent (websocket). */
  get closeReason(): string {
    return this._closeReason;
  }
  /** The last fault reported through onError (SEND_FAIL excluded). */
  get lastError(): ConnectionFault | null {
    return this._lastError;
  }

  /** Queued bytes, for info(). */
  protected get queuedBytes(): number {
    return this.queue?.bytes ?? 0;
  }

  // ---- internals -----------------------------------------------------------------------------------------

  /** The one place states change; a move the machine does not have throws (state.ts). */
  protected setState(next: ConnectionState): void {
    checkMove(this._state, next);
    this._state = next;
  }

  /** Arms the reconnect timer; `count` is false when it replaces an already counted pending attempt. */
  protected schedule(delaySeconds: number, count = true): void {
    const ms = Math.max(0, delaySeconds * 1000);
    if (count) {
      this._reconnectAttempts++;
      Counters.reconnects++;
    }
    this._nextRetryAt = Date.now() + ms;
    registry.add(this);
    this.setState('reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this._nextRetryAt = null;
      this.connect();
    }, ms);
  }

  protected clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this._nextRetryAt = null;
  }

  /** Final close: leaves the registry and forgets queued sends. */
  protected finish(): void {
    this.clearReconnect();
    if (this._state !== 'closed') this.setState('closed');
    this.queue = null;
    this.bufferFull = false;
    if (registry.delete(this)) {
      countClosed(this.uncountedBytes());
      this.countedIn = this.bytesIn;
      this.countedOut = this.bytesOut;
    }
  }

  /** Wire bytes received over the life of this object (all attempts). */
  get bytesIn(): number {
    return this.bytesInDone + (this.socket?.bytesRead ?? 0);
  }
  /** Wire bytes written over the life of this object (all attempts). */
  get bytesOut(): number {
    return this.bytesOutDone + (this.socket?.bytesWritten ?? 0);
  }

  /** @internal Wire bytes not yet added to the process totals of closed connections. */
  uncountedBytes(): { in: number; out: number } {
    return { in: this.bytesIn - this.countedIn, out: this.bytesOut - this.countedOut };
  }

  abstract connect(): void;
  abstract close(code: number, reason: string): void;
  abstract destroy(): void;
}

definePast(ConnectionMachine.prototype);
