// The master under systemd (Type=notify): READY=1 once every worker is ready, RELOADING=1 / READY=1 around a
// reload, STOPPING=1 when a stop begins, a STATUS= line a person reads in `systemctl status`, and WATCHDOG=1
// every half WATCHDOG_USEC while the supervisor is healthy. The transport is notify.ts.
import type { Runtime, SlotSnapshot } from '../runtime.js';
import { monotonicUsec, type SystemdNotifier } from './notify.js';

/** How often the STATUS line is refreshed when nothing else happens (connection counts change all the time). */
const STATUS_EVERY_MS = 5000;
/** Worker events within this window make one STATUS update (a start of 32 workers is not 32 helpers). */
const STATUS_DEBOUNCE_MS = 250;

export interface SystemdServiceOptions {
  /** Half of WATCHDOG_USEC in ms, or null when the unit has no WatchdogSec. */
  watchdogMs: number | null;
  log: (message: string) => void;
}

type Phase = 'starting' | 'running' | 'reloading' | 'stopping';

export class SystemdService {
  private phase: Phase = 'starting';
  private reloads = 0;
  private lastStatus = '';
  private note = '';
  private statusTimer: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private unhealthyLogged = false;
  private runtime: Runtime | null = null;

  constructor(
    private readonly notifier: SystemdNotifier,
    private readonly options: SystemdServiceOptions,
  ) {}

  /** Follow `runtime` (call before its workers start): STATUS lines as workers come and go, STOPPING=1. */
  attach(runtime: Runtime): void {
    this.runtime = runtime;
    const changed = () => this.statusSoon();
    runtime.on('workerReady', changed);
    runtime.on('workerExit', changed);
    runtime.on('stopping', () => this.stopping());
    runtime.once('stop', () => this.close());
    this.statusTimer = setInterval(() => void this.sendStatus(), STATUS_EVERY_MS);
    this.statusTimer.unref();
  }

  /** Every worker of the start is ready. */
  ready(): Promise<void> {
    if (this.phase === 'stopping') return Promise.resolve();
    this.phase = 'running';
    this.startWatchdog();
    return this.notifier.send({ READY: 1, STATUS: this.statusLine() });
  }

  /** The start failed: say why in `systemctl status` (systemd sees the exit itself). */
  failed(reason: string): Promise<void> {
    this.close();
    return this.notifier.send({ STATUS: `start failed: ${reason}` });
  }

  /** A reload begins (several may be queued: READY=1 comes after the last one). */
  reloading(): void {
    if (this.phase === 'stopping' || this.phase === 'starting') return;
    this.reloads++;
    if (this.reloads > 1) return;
    this.phase = 'reloading';
    this.note = '';
    void this.notifier.send({ RELOADING: 1, MONOTONIC_USEC: monotonicUsec(), STATUS: this.statusLine() });
  }

  /** A reload ended; `outcome` is shown in STATUS (e.g. "reload halted at feed#1: ..."). */
  reloaded(outcome: string): void {
    if (this.reloads === 0) return;
    this.reloads--;
    if (this.reloads > 0 || this.phase !== 'reloading') return;
    this.phase = 'running';
    this.note = outcome;
    void this.notifier.send({ READY: 1, STATUS: this.statusLine() });
  }

  private stopping(): void {
    if (this.phase === 'stopping') return;
    this.phase = 'stopping';
    this.stopWatchdog();
    void this.notifier.send({ STOPPING: 1, STATUS: this.statusLine() });
  }

  /** Stop the timers (the runtime stopped, or never started). */
  close(): void {
    this.stopWatchdog();
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.debounce) clearTimeout(this.debounce);
    this.statusTimer = this.debounce = null;
  }

  /** What `systemctl status` shows, e.g. "4/4 workers ready, 1,000 connections". */
  statusLine(): string {
    const workers = this.runtime?.workers ?? [];
    const ready = workers.filter((w) => w.state === 'ready').length;
    const parts = [`${ready}/${workers.length} workers ready`];
    const failed = workers.filter((w) => w.state === 'failed');
    if (failed.length > 0) parts.push(`${failed.length} failed (${failed.map(label).join(', ')})`);
    const restarting = workers.filter((w) => w.state === 'waiting-restart').length;
    if (restarting > 0) parts.push(`${restarting} waiting to restart`);
    const connections = this.runtime?.statusSnapshot().totals.connections ?? 0;
    parts.push(`${connections.toLocaleString('en-US')} connection${connections === 1 ? '' : 's'}`);
    const prefix = this.phase === 'running' ? '' : `${this.phase}: `;
    const note = this.phase === 'running' && this.note ? `; ${this.note}` : '';
    return `${prefix}${parts.join(', ')}${note}`;
  }

  private statusSoon(): void {
    if (this.debounce || this.phase === 'stopping') return;
    this.debounce = setTimeout(() => {
      this.debounce = null;
      void this.sendStatus();
    }, STATUS_DEBOUNCE_MS);
    this.debounce.unref();
  }

  private sendStatus(): Promise<void> {
    const status = this.statusLine();
    if (status === this.lastStatus) return Promise.resolve();
    this.lastStatus = status;
    return this.notifier.send({ STATUS: status });
  }

  /**
   * Healthy: this timer ran (so the master's event loop is not blocked), a stop has not begun, not every
   * slot has been given up on (`failed`), and the previous notifications went out (the helper is not stuck).
   */
  healthy(): { ok: true } | { ok: false; why: string } {
    const workers = this.runtime?.workers ?? [];
    if (workers.length > 0 && workers.every((w) => w.state === 'failed')) {
      return { ok: false, why: 'every worker slot has failed' };
    }
    if (this.notifier.inFlight > 3) return { ok: false, why: 'systemd-notify is not answering' };
    return { ok: true };
  }

  private startWatchdog(): void {
    const ms = this.options.watchdogMs;
    if (ms === null || this.watchdog) return;
    this.watchdog = setInterval(() => this.pingWatchdog(), ms);
    this.watchdog.unref();
  }

  private pingWatchdog(): void {
    const health = this.healthy();
    if (!health.ok) {
      if (!this.unhealthyLogged) this.options.log(`systemd watchdog: not pinging, ${health.why}`);
      this.unhealthyLogged = true;
      return;
    }
    if (this.unhealthyLogged) this.options.log('systemd watchdog: healthy again, pinging');
    this.unhealthyLogged = false;
    const status = this.statusLine();
    const fields: Record<string, string | number> = { WATCHDOG: 1 };
    if (status !== this.lastStatus) fields.STATUS = this.lastStatus = status;
    void this.notifier.send(fields);
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
  }
}

function label(slot: SlotSnapshot): string {
  return `${slot.name}#${slot.id}`;
}
