// CPU and memory of the master and every worker, sampled with pidusage on a fixed period.
// pidusage's own CPU figure is "since whoever called last" (and 0 on a first call); we compute CPU
// ourselves from the CPU-time delta over our own sampling window, so another pidusage user in a
// host process cannot change what `status` shows, and the first `status` already shows real CPU.
import type pidusage from 'pidusage';

/**
 * pidusage is loaded by the first sampling pass, not with this module: every worker process and every
 * CLI verb loads the package, and none of them samples (~10 ms of CommonJS loading each).
 */
let loaded: Promise<typeof pidusage> | null = null;
function loadPidusage(): Promise<typeof pidusage> {
  return (loaded ??= import('pidusage').then((m) => m.default));
}

export interface Usage {
  /** Percent of one core over the last sampling window (after one sample: since the process started). */
  cpu: number | null;
  /** Resident set size in bytes. */
  memory: number;
  /** Total CPU time in ms since the process started. */
  cpuTime: number;
  /** Epoch ms of the sample. */
  sampledAt: number;
}

export interface UsageSamplerOptions {
  /** Sampling period in ms. Default 1000. */
  intervalMs?: number;
  /** Pids to sample besides the master, read at every tick. */
  pids: () => number[];
}

export class UsageSampler {
  private readonly latest = new Map<number, Usage>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;
  private readonly intervalMs: number;

  constructor(private readonly options: UsageSamplerOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
  }

  /** True between start() and stop(). */
  get started(): boolean {
    return this.timer !== null;
  }

  /** Take a first sample now, then one every period. The timer never keeps a host process alive. */
  start(): void {
    if (this.timer) return;
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stop sampling and forget the history. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    this.latest.clear();
  }

  /** The last sample of `pid`, or null if it was never sampled (or has exited). */
  get(pid: number): Usage | null {
    return this.latest.get(pid) ?? null;
  }

  /**
   * One sampling pass (also usable on demand). A call while a pass runs gets one more pass right after it
   * (shared by every such call): the running pass may have listed its pids before a new worker was forked.
   */
  sample(): Promise<void> {
    if (this.running) {
      this.next ??= this.running.then(() => {
        this.next = null;
        return this.sample();
      });
      return this.next;
    }
    this.running = this.samplePids().finally(() => (this.running = null));
    return this.running;
  }

  private async samplePids(): Promise<void> {
    const pids = [...new Set([process.pid, ...this.options.pids()])].filter((pid) => pid > 0);
    let stats: Record<number, pidusage.Status | undefined>;
    try {
      // Default history (60 s): pidusage keeps one /proc fd per pid and closes it when the pid's history
      // expires. Not `maxage: 0` (pidusage 4.1 then re-reads forever and leaks fds) and no clear() on stop
      // (it drops the history without closing those fds).
      const sample = await loadPidusage();
      stats = await sample(pids);
    } catch {
      return; // a pid exited between listing and reading (single-pid call), or no /proc: keep the last sample
    }
    const seen = new Set<number>();
    for (const pid of pids) {
      const stat = stats[pid];
      if (!stat) continue;
      seen.add(pid);
      const previous = this.latest.get(pid);
      const window = previous ? stat.timestamp - previous.sampledAt : 0;
      // A process sampled for the first time: its CPU time over its whole life so far (a real figure for
      // a `status` asked right after start, where a window needs a second sample one period later).
      const cpu =
        previous && window > 0
          ? percent(stat.ctime - previous.cpuTime, window)
          : stat.elapsed > 0
            ? percent(stat.ctime, stat.elapsed)
            : null;
      this.latest.set(pid, { cpu, memory: stat.memory, cpuTime: stat.ctime, sampledAt: stat.timestamp });
    }
    for (const pid of this.latest.keys()) if (!seen.has(pid)) this.latest.delete(pid);
  }
}

/** CPU time over wall time as percent of one core, one decimal. */
function percent(cpuMs: number, wallMs: number): number {
  return Math.max(0, Math.round((cpuMs / wallMs) * 1000) / 10);
}
