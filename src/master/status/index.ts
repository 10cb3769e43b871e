// Status in the master: pidusage samples + worker counters over IPC -> the status and connections
// documents (report.ts). Runtime owns one StatusService; the control socket, the CLI, the metrics
// endpoint and Runtime#status() all read through it.
import { logFileHealth } from '../log-health.js';
import { UNRESPONSIVE_AFTER_MS } from '../hang-watch.js';
import type { Worker as ClusterWorker } from 'node:cluster';
import { loadavg } from 'node:os';
import { CONNECTION_COLUMNS } from '../../shared/messages.js';
import { VERSION } from '../../version.js';
import type { Slot, Supervisor, WorkerDefinition } from '../supervisor.js';
import { StatsCollector, type Answer, type StatsMessage } from './collector.js';
import {
  expandConnections,
  totalsOf,
  workerRow,
  type ConnectionsReport,
  type ConnectionsTable,
  type ConnectionStatus,
  type MasterStatus,
  type ProcessState,
  type StatusReport,
  type WorkerRows,
  type WorkerStatus,
} from './report.js';
import { UsageSampler } from './usage.js';

export interface StatusOptions {
  /** A worker that has not answered after this many ms is shown as `busy`. Default 300. */
  busyAfterMs?: number;
  /** pidusage sampling period in ms. Default 1000. */
  sampleIntervalMs?: number;
}

export interface StatusRequest {
  /** Override the busy deadline for this request. */
  busyAfterMs?: number;
}

/** Pushed counters older than this many push periods mark a worker busy without asking it (metrics). */
const STALE_AFTER_MS = 3000;

/**
 * Sampling begins once every worker of the start is ready, or after this long at most: the first pass
 * loads pidusage and runs `getconf` twice, CPU that the starting workers need more than `status` does.
 */
const FIRST_SAMPLE_AFTER_MS = 1000;

export class StatusService {
  private readonly collector = new StatsCollector();
  private readonly sampler: UsageSampler;
  /** Which slot each live process belongs to (a reload's replacement is not yet the slot's process). */
  private readonly slotOf = new Map<number, Slot>();
  private readonly busyAfterMs: number;
  private readonly listeners: (() => void)[] = [];
  private firstSample: NodeJS.Timeout | null = null;

  constructor(
    private readonly supervisor: Supervisor,
    private readonly info: { script: string; startedAt: number },
    options: StatusOptions = {},
  ) {
    this.busyAfterMs = options.busyAfterMs ?? 300;
    this.sampler = new UsageSampler({
      intervalMs: options.sampleIntervalMs ?? 1000,
      pids: () => this.supervisor.liveProcesses().map((w) => w.process.pid ?? 0),
    });
  }

  /** Start listening to workers, and sampling once they are up. Call before the workers are forked. */
  start(): void {
    const s = this.supervisor;
    const onStart = (slot: Slot, pid: number) => {
      this.slotOf.set(pid, slot);
    };
    const onReady = () => {
      // A first sample of a new process as soon as it is ready (not while it boots), so its CPU is known
      // one period later; the first start's last ready worker starts the sampling.
      if (this.sampler.started) void this.sampler.sample();
      else if (s.slots.every((slot) => slot.state === 'ready' || slot.state === 'failed'))
        this.startSampling();
    };
    const onExit = (_slot: Slot, _code: unknown, _signal: unknown, pid: number) => {
      this.slotOf.delete(pid);
      this.collector.forget(pid);
    };
    const onStats = (_slot: Slot, message: StatsMessage, worker: ClusterWorker) => {
      this.collector.onMessage(worker.process.pid ?? 0, message);
    };
    s.on('workerStart', onStart);
    s.on('workerReady', onReady);
    s.on('workerExit', onExit);
    s.on('stats', onStats);
    this.listeners.push(() => {
      s.off('workerStart', onStart);
      s.off('workerReady', onReady);
      s.off('workerExit', onExit);
      s.off('stats', onStats);
    });
    this.firstSample = setTimeout(() => this.startSampling(), FIRST_SAMPLE_AFTER_MS);
    this.firstSample.unref();
  }

  private startSampling(): void {
    if (this.firstSample) clearTimeout(this.firstSample);
    this.firstSample = null;
    this.sampler.start();
  }

  /** Stop sampling and listening, so a host process can exit. */
  async stop(): Promise<void> {
    for (const off of this.listeners.splice(0)) off();
    if (this.firstSample) clearTimeout(this.firstSample);
    this.firstSample = null;
    await this.sampler.stop();
  }

  /** Ask every worker for fresh counters (busy after the deadline) and build the status document. */
  async status(request: StatusRequest = {}): Promise<StatusReport> {
    const live = this.supervisor.workerProcesses();
    // A process not sampled yet (asked right after start or a restart): sample it with the counters.
    const spares = this.supervisor.spares.list().map((s) => s.pid ?? 0);
    const unsampled = [process.pid, ...live.map((w) => w.process.pid ?? 0), ...spares].some(
      (pid) => this.sampler.get(pid) === null,
    );
    const [answers] = await Promise.all([
      this.collector.request(live, false, request.busyAfterMs ?? this.busyAfterMs),
      unsampled ? this.sampler.sample() : undefined,
    ]);
    return this.build(live, answers);
  }

  /** The status document from the counters workers pushed last, without asking them (for /metrics). */
  snapshot(): StatusReport {
    return this.build(this.supervisor.workerProcesses(), null);
  }

  /** Every connection of every worker that answers before the deadline. */
  async connections(request: StatusRequest = {}): Promise<ConnectionsReport> {
    const workers: WorkerRows[] = [];
    const end = await this.streamConnections(request, (worker, rows) =>
      workers.push({ worker, rows: JSON.parse(rows) as unknown[][] }),
    );
    return expandConnections({ ...end, workers });
  }

  /**
   * The connections as a ConnectionsTable in parts, for the control socket: `onWorker` gets each worker's
   * rows as JSON text the moment that worker answers (spliced on as the worker sent them: the master
   * neither parses nor re-serializes 10,000 connections, and the reader parses while others still answer);
   * resolves with the rest of the table once all answered or the busy deadline passed.
   */
  async streamConnections(
    request: StatusRequest,
    onWorker: (worker: ConnectionStatus['worker'], rowsJson: string) => void,
  ): Promise<Omit<ConnectionsTable, 'workers'>> {
    const live = this.supervisor.workerProcesses();
    const who = (pid: number) => {
      const slot = this.slotOf.get(pid);
      return { name: slot?.definition.name ?? '?', id: slot?.id ?? -1, pid };
    };
    const deadline = request.busyAfterMs ?? this.busyAfterMs;
    const answers = await this.collector.request(live, true, deadline, (pid, answer) =>
      onWorker(who(pid), answer.connectionRows),
    );
    const busy: ConnectionsReport['busy'] = [];
    for (const worker of live) {
      const pid = worker.process.pid ?? 0;
      if (answers.get(pid) === 'busy') busy.push(who(pid));
    }
    const slotIndex = new Map(this.supervisor.slots.map((slot, i) => [slot, i]));
    const indexOf = (pid: number) => slotIndex.get(this.slotOf.get(pid)!) ?? slotIndex.size;
    const order = live.map((w) => w.process.pid ?? 0).sort((a, b) => indexOf(a) - indexOf(b));
    return { time: Date.now(), columns: [...CONNECTION_COLUMNS], busy, order };
  }

  private build(live: readonly ClusterWorker[], answers: Map<number, Answer> | null): StatusReport {
    const now = Date.now();
    const masterUsage = this.sampler.get(process.pid);
    const master: MasterStatus = {
      pid: process.pid,
      cpu: masterUsage?.cpu ?? null,
      memory: masterUsage?.memory ?? null,
      uptime: Math.round(now - this.info.startedAt) / 1000,
      startedAt: this.info.startedAt,
      log: logFileHealth(),
    };
    const workers: WorkerStatus[] = [];
    const row = (slot: Slot, worker: ClusterWorker | null, state: ProcessState) => {
      const pid = worker?.process.pid ?? null;
      const answer = pid !== null ? answers?.get(pid) : undefined;
      const fresh = answer && answer !== 'busy' ? answer.stats : null;
      const last = pid !== null ? this.collector.last(pid) : null;
      const stats = fresh ?? last?.stats ?? null;
      const receivedAt = fresh ? now : (last?.receivedAt ?? now);
      let shown = state;
      if (pid !== null && state !== 'stopping') {
        const silent = now - Math.max(last?.receivedAt ?? 0, slot.readyAt);
        // Ready, and not a word for three push periods: its event loop is blocked (see hang-watch.ts).
        if (!fresh && state === 'ready' && silent > UNRESPONSIVE_AFTER_MS) shown = 'unresponsive';
        else if (answer === 'busy' || (answers === null && last && now - last.receivedAt > STALE_AFTER_MS))
          shown = 'busy';
      }
      const usage = pid !== null ? this.sampler.get(pid) : null;
      const name = {
        name: slot.definition.name,
        id: slot.id,
        restarts: slot.restarts,
        lastError: slot.lastError,
      };
      workers.push(workerRow(name, pid, shown, usage, stats, receivedAt, now));
    };
    for (const slot of this.supervisor.slots) {
      row(slot, slot.process, slot.state);
      for (const worker of live) {
        const pid = worker.process.pid ?? 0;
        if (worker !== slot.process && this.slotOf.get(pid) === slot) row(slot, worker, 'reloading');
      }
    }
    return {
      version: VERSION,
      node: process.version,
      platform: process.platform,
      script: this.info.script,
      time: now,
      loadAverage: loadavg().map((n) => Math.round(n * 100) / 100),
      master,
      definitions: definitionsOf(this.supervisor.slots),
      workers,
      spares: this.supervisor.spares.list().map((spare) => {
        const usage = spare.pid !== null ? this.sampler.get(spare.pid) : null;
        const uptime = Math.round(now - spare.startedAt) / 1000;
        return { ...spare, cpu: usage?.cpu ?? null, memory: usage?.memory ?? null, uptime };
      }),
      totals: totalsOf(master, workers),
    };
  }
}

function definitionsOf(slots: readonly Slot[]): StatusReport['definitions'] {
  const byDefinition = new Map<WorkerDefinition, StatusReport['definitions'][number]>();
  for (const slot of slots) {
    const d = slot.definition;
    let entry = byDefinition.get(d);
    if (!entry) {
      entry = {
        name: d.name,
        count: d.count,
        reloadable: d.reloadable,
        spare: d.spare,
        restarts: 0,
        failed: [],
      };
      byDefinition.set(d, entry);
    }
    entry.restarts += slot.restarts;
    if (slot.state === 'failed') entry.failed.push(slot.id);
  }
  return [...byDefinition.values()];
}

export type {
  StatusReport,
  ConnectionsReport,
  WorkerStatus,
  MasterStatus,
  ConnectionStatus,
  ProcessState,
} from './report.js';
