// The timers that keep a connection from hanging: connect/handshake deadlines ("phase"), client pings with a
// pong deadline, and the inbound idle watchdog. All unref'd: the socket keeps the process alive, not these.
import { ConnectionError, fault, type ConnectionErrorCode, type ConnectionFault } from './errors.js';

/** What the timers need from the connection (methods of the connection itself: no closures per connection). */
export interface LivenessHost {
  /** A number that changes whenever anything arrives (messages, pings, pongs). */
  _livenessActivity(): number;
  /** Sends one ping frame. */
  _livenessPing(): void;
  /** A deadline passed: report `f` and drop the socket. */
  _livenessExpire(f: ConnectionFault): void;
}

/** What a phase deadline reports, built only when it passes. */
function phaseDetail(code: ConnectionErrorCode, seconds: number): string {
  return code === ConnectionError.HANDSHAKE_TIMEOUT
    ? `no answer to the upgrade request within ${seconds} s`
    : `no connection within ${seconds} s`;
}

/** Deadlines and liveness timers of one connection (reused across attempts). */
export class Liveness {
  private phaseTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Activity when the pending pong deadline was (re)started. */
  private pongMark = 0;

  constructor(
    private readonly host: LivenessHost,
    private readonly where: string,
  ) {}

  /** Arms the deadline of the current phase (CONNECT_TIMEOUT or HANDSHAKE_TIMEOUT); 0 or less = none. */
  armPhase(seconds: number, code: ConnectionErrorCode): void {
    this.clearPhase();
    if (!(seconds > 0)) return;
    this.phaseTimer = setTimeout(
      () => this.host._livenessExpire(fault(code, this.where, phaseDetail(code, seconds))),
      seconds * 1000,
    );
    this.phaseTimer.unref();
  }

  clearPhase(): void {
    if (this.phaseTimer !== null) clearTimeout(this.phaseTimer);
    this.phaseTimer = null;
  }

  /**
   * Starts pings every `pingSeconds` (0 = none) with a `pongSeconds` deadline for any inbound activity, and
   * the idle watchdog (`idleSeconds`, 0 = none), checked four times per period.
   */
  start(pingSeconds: number, pongSeconds: number, idleSeconds: number): void {
    if (pingSeconds > 0) {
      this.pingTimer = setInterval(() => this.ping(pongSeconds), pingSeconds * 1000);
      this.pingTimer.unref();
    }
    if (idleSeconds > 0) {
      let mark = this.host._livenessActivity();
      let seen = Date.now();
      this.idleTimer = setInterval(
        () => {
          const now = Date.now();
          const a = this.host._livenessActivity();
          if (a !== mark) {
            mark = a;
            seen = now;
          } else if (now - seen >= idleSeconds * 1000) {
            this.host._livenessExpire(
              fault(ConnectionError.IDLE_TIMEOUT, this.where, `for ${idleSeconds} s (idleTimeout)`),
            );
          }
        },
        Math.max(10, (idleSeconds * 1000) / 4),
      );
      this.idleTimer.unref();
    }
  }

  /**
   * Every ping has its own deadline: nothing at all may arrive for `pongSeconds` after it. A ping sent while
   * an earlier one is still unanswered keeps the earlier (sooner) deadline; once something arrived, the next
   * ping restarts the deadline from now. (Skipping that restart let a peer that froze just after answering
   * go unnoticed for up to twice `pongTimeout`: found by the faults-under-load run.)
   */
  private ping(pongSeconds: number): void {
    this.host._livenessPing();
    if (!(pongSeconds > 0)) return;
    const mark = this.host._livenessActivity();
    if (this.expiring) return; // a deadline passed; its check runs after this poll phase
    if (this.pongTimer !== null) {
      if (mark === this.pongMark) return;
      this.pongMark = mark;
      this.pongTimer.refresh();
      return;
    }
    this.pongMark = mark;
    this.pongSeconds = pongSeconds;
    // The check runs after the next poll phase (setImmediate), not in the timer phase: a worker whose event
    // loop was late (a long callback, a loaded machine) first reads what already arrived, so an answer that
    // is sitting in the socket buffer is not mistaken for silence.
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      this.expiring = true;
      this.expiringGeneration = this.generation;
      setImmediate(this.checkPong);
    }, pongSeconds * 1000);
    this.pongTimer.unref();
  }

  private pongSeconds = 0;
  private expiring = false;
  /** Bumped by stop(): a check scheduled for an earlier attempt does nothing. */
  private generation = 0;
  private expiringGeneration = -1;

  private readonly checkPong = (): void => {
    if (this.expiringGeneration !== this.generation) return; // stopped (or a new attempt) meanwhile
    this.expiring = false;
    if (this.host._livenessActivity() !== this.pongMark) return;
    this.host._livenessExpire(
      fault(
        ConnectionError.PONG_TIMEOUT,
        this.where,
        `nothing received within ${this.pongSeconds} s (pongTimeout)`,
      ),
    );
  };

  /** Stops every timer. */
  stop(): void {
    this.generation++;
    this.expiring = false;
    this.clearPhase();
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.pingTimer = this.pongTimer = this.idleTimer = null;
  }
}
