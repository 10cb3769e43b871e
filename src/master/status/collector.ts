// The master's side of the `stats` IPC verb: keeps the counters every worker pushes, and asks workers
// for fresh ones (and their connection lists) with a deadline, so a blocked worker makes no one wait.
import type { Worker as ClusterWorker } from 'node:cluster';
import { tagged, type WorkerMessage, type WorkerStats } from '../../shared/messages.js';

export interface Received {
  stats: WorkerStats;
  /** Epoch ms when the master received these counters. */
  receivedAt: number;
}

/**
 * A worker's answer to one request, or `busy` if it did not answer before the deadline. `connectionRows` is
 * the JSON text of its connection rows (CONNECTION_COLUMNS order), `[]` when not asked for.
 */
export type Answer = { stats: WorkerStats; connectionRows: string } | 'busy';

export type StatsMessage = Extract<WorkerMessage, { wm: 'stats' }>;

export class StatsCollector {
  private readonly latest = new Map<number, Received>();
  private readonly pending = new Map<number, (message: StatsMessage) => void>();
  private nextRequestId = 1;

  /** Feed every `stats` message a worker sends (pushed ones have requestId 0). */
  onMessage(pid: number, message: StatsMessage): void {
    this.latest.set(pid, { stats: message.stats, receivedAt: Date.now() });
    if (message.requestId === 0) return;
    const resolve = this.pending.get(message.requestId);
    if (resolve) {
      this.pending.delete(message.requestId);
      resolve(message);
    }
  }

  /** A process exited: forget its counters. */
  forget(pid: number): void {
    this.latest.delete(pid);
  }

  /** The last counters `pid` sent, pushed or requested. */
  last(pid: number): Received | null {
    return this.latest.get(pid) ?? null;
  }

  /**
   * Ask every process in `workers` at once; resolves after all answered or at `deadlineMs`. `onAnswer`
   * hears each answer as it arrives (to stream it on without waiting for the slowest worker).
   */
  async request(
    workers: readonly ClusterWorker[],
    withConnections: boolean,
    deadlineMs: number,
    onAnswer?: (pid: number, answer: Exclude<Answer, 'busy'>) => void,
  ): Promise<Map<number, Answer>> {
    const answers = new Map<number, Answer>();
    let timer: NodeJS.Timeout | undefined;
    const ids: number[] = [];
    const asked = workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          const pid = worker.process.pid ?? 0;
          answers.set(pid, 'busy');
          if (!worker.isConnected()) return resolve();
          const requestId = this.nextRequestId++;
          ids.push(requestId);
          this.pending.set(requestId, (message) => {
            const answer = { stats: message.stats, connectionRows: rowsOf(message) };
            answers.set(pid, answer);
            onAnswer?.(pid, answer);
            resolve();
          });
          try {
            worker.send(tagged({ wm: 'stats', requestId, connections: withConnections }));
          } catch {
            resolve(); // the channel closed under us: the process is going away
          }
        }),
    );
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    await Promise.race([Promise.all(asked), deadline]);
    clearTimeout(timer);
    for (const id of ids) this.pending.delete(id); // a late answer only refreshes `latest`
    return answers;
  }
}

function rowsOf(message: StatsMessage): string {
  return message.connectionRows ?? '[]';
}
