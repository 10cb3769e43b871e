// The timers that keep a connection from hanging: connect/handshake deadlines ("phase"), client pings with a
// pong deadline, and the inbound idle watchdog. All unref'd: the socket keeps the process alive, not these.
import { ConnectionError, fault, type ConnectionErrorCode, type ConnectionFault } from './errors.js';

/** What the timers need from the connection. */
export interface LivenessHost {
  /** A number that changes whenever anything arrives (messages, pings, pongs). */
  activity(): number;
  /** Sends one ping frame. */
  ping(): void;
  /** A deadline passed: report `f` and drop the socket. */
  expire(f: ConnectionFault): void;
}

/** Deadlines and liveness timers of one connection (reused across attempts). */
export class Liveness {
  private phaseTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private pongTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(private readonly host: LivenessHost, private readonly where: string) {}

  /** Arms the deadline of the current phase (connect or handshake); 0 or less = none. */
  armPhase(seconds: number, code: ConnectionErrorCode, detail: string): void {
    this.clearPhase();
    if (!(seconds > 0)) return;
    this.phaseTimer = setTimeout(() => this.host.expire(fault(code, this.where, detail)), seconds * 1000);
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
      let mark = this.host.activity();
      let seen = Date.now();
      this.idleTimer = setInterval(() => {
        const now = Date.now();
        const a = this.host.activity();
        if (a !== mark) {
          mark = a;
          seen = now;
        } else if (now - seen >= idleSeconds * 1000) {
          this.host.expire(fault(ConnectionError.IDLE_TIMEOUT, this.where, `for ${idleSeconds} s (idleTimeout)`));
        }
      }, Math.max(10, (idleSeconds * 1000) / 4));
      this.idleTimer.unref();
    }
  }

  private ping(pongSeconds: number): void {
    this.host.ping();
    if (this.pongTimer !== null || !(pongSeconds > 0)) return;
    const mark = this.host.activity();
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      if (this.host.activity() === mark) {
        this.host.expire(fault(ConnectionError.PONG_TIMEOUT, this.where, `nothing received within ${pongSeconds} s (pongTimeout)`));
      }
    }, pongSeconds * 1000);
    this.pongTimer.unref();
  }

  /** Stops every timer. */
  stop(): void {
    this.clearPhase();
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.pingTimer = this.pongTimer = this.idleTimer = null;
  }
}
