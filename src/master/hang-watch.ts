// Notices a worker whose event loop is blocked: every worker pushes its counters every second
// (STATS_PUSH_INTERVAL_MS), so a ready worker that has sent nothing for a while is not running its code.
// status shows it as `unresponsive` after UNRESPONSIVE_AFTER_MS; with `hangTimeout` set, it is killed
// (SIGKILL: a blocked loop runs no signal handler) and its slot replaced like a crash.
import type { Worker as ClusterWorker } from 'node:cluster';
import { STATS_PUSH_INTERVAL_MS } from '../shared/messages.js';
import type { Slot, Supervisor } from './supervisor.js';

/** No message for this long (three push periods) and a ready worker shows as `unresponsive` in status. */
export const UNRESPONSIVE_AFTER_MS = 3 * STATS_PUSH_INTERVAL_MS;

/** How often the watch looks; a hang is acted on at most this much after `hangTimeout`. */
const CHECK_EVERY_MS = 250;

export interface HangWatchOptions {
  /** Kill a worker silent this long, in ms; 0 = never (only shown in status). */
  hangTimeoutMs: number;
  log: (message: string) => void;
}

export class HangWatch {
  /** When each live process last sent anything (stats pushes, replies, ready). */
  private readonly lastHeard = new WeakMap<ClusterWorker, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly onStart = (slot: Slot): void => this.heard(slot.process);
  private readonly onHeard = (_slot: Slot, worker: ClusterWorker): void => this.heard(worker);

  constructor(
    private readonly supervisor: Supervisor,
    private readonly options: HangWatchOptions,
  ) {}

  start(): void {
    this.supervisor.on('workerStart', this.onStart);
    this.supervisor.on('heard', this.onHeard);
    if (this.options.hangTimeoutMs > 0) {
      this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
      this.timer.unref();
    }
  }

  stop(): void {
    this.supervisor.off('workerStart', this.onStart);
    this.supervisor.off('heard', this.onHeard);
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Ms since `slot`'s ready process was last heard from, or null when it is not a ready process. */
  silentFor(slot: Slot, now = Date.now()): number | null {
    const worker = slot.process;
    if (!worker || slot.state !== 'ready') return null;
    const last = Math.max(this.lastHeard.get(worker) ?? 0, slot.readyAt);
    return now - last;
  }

  private heard(worker: ClusterWorker | null): void {
    if (worker) this.lastHeard.set(worker, Date.now());
  }

  private check(): void {
    if (this.supervisor.stopping) return; // the stop ladder's SIGKILL bounds a hung worker then
    const now = Date.now();
    for (const slot of this.supervisor.slots) {
      const silent = this.silentFor(slot, now);
      if (silent === null || silent < this.options.hangTimeoutMs) continue;
      const pid = slot.process?.process.pid ?? 0;
      const reason = `unresponsive for ${(silent / 1000).toFixed(1)} s (no stats: event loop blocked), killed after hangTimeout ${this.options.hangTimeoutMs / 1000} s`;
      this.options.log(`worker ${slot.definition.name}#${slot.id} pid ${pid} ${reason}`);
      slot.exitReason = reason;
      slot.process?.process.kill('SIGKILL');
      this.lastHeard.set(slot.process!, now); // once per hang: the exit follows
    }
  }
}
