// Cross-worker messaging, the master side: keeps which worker process subscribed to which topic and relays
// every published message to those processes over their cluster IPC channel, in the order the messages
// arrived. The master is the one place every worker already talks to, so one relay gives every receiver
// the same order without a broker. Bounded: a receiver that does not read its IPC pipe (a blocked event loop)
// gets at most MAX_PENDING messages queued; beyond that its copies are dropped and counted.
import type { Worker as ClusterWorker } from 'node:cluster';
import {
  IPC_TAG,
  type ChannelDelivery,
  type ChannelSender,
  type Tagged,
  type WorkerMessage,
} from '../shared/messages.js';
import type { Slot, Supervisor } from './supervisor.js';

/** Relayed messages a receiver may have waiting to be written to its IPC pipe. */
export const MAX_PENDING = 1024;

/** One subscribed worker process. */
class Receiver {
  readonly topics = new Set<string>();
  /** Sends whose callback has not run yet. */
  pending = 0;
  dropped = 0;
  /** One completion callback per receiver, not per message. */
  readonly onSent = (): void => {
    this.pending--;
  };

  constructor(readonly worker: ClusterWorker) {}
}

export interface ChannelRelayStats {
  /** Messages published (by workers or Runtime#publish). */
  published: number;
  /** Copies handed to receivers' IPC channels. */
  delivered: number;
  /** Copies dropped because a receiver had MAX_PENDING messages waiting. */
  dropped: number;
}

type ChannelMessage = Extract<WorkerMessage, { wm: 'subscribe' | 'unsubscribe' | 'publish' }>;

export class ChannelRelay {
  private readonly receivers = new Map<number, Receiver>();
  private readonly byTopic = new Map<string, Set<Receiver>>();
  private readonly counters: ChannelRelayStats = { published: 0, delivered: 0, dropped: 0 };

  /** Hear the supervisor's workers: their channel messages, and their exits. */
  attach(supervisor: Supervisor): this {
    supervisor.on('message', (slot, message, worker) => {
      if (message.wm === 'subscribe' || message.wm === 'unsubscribe' || message.wm === 'publish')
        this.onMessage(slot, message, worker);
    });
    supervisor.on('workerExit', (_slot, _code, _signal, pid) => this.forget(pid));
    return this;
  }

  onMessage(slot: Slot, message: ChannelMessage, worker: ClusterWorker): void {
    const pid = worker.process.pid ?? 0;
    switch (message.wm) {
      case 'subscribe': {
        let receiver = this.receivers.get(pid);
        if (!receiver) this.receivers.set(pid, (receiver = new Receiver(worker)));
        receiver.topics.add(message.topic);
        let set = this.byTopic.get(message.topic);
        if (!set) this.byTopic.set(message.topic, (set = new Set()));
        set.add(receiver);
        break;
      }
      case 'unsubscribe': {
        const receiver = this.receivers.get(pid);
        if (receiver) this.unsubscribe(receiver, message.topic);
        break;
      }
      case 'publish':
        this.publish(message.topic, message.data, { name: slot.definition.name, id: slot.id, pid });
        break;
    }
  }

  /** Relay one message to every process subscribed to `topic`. */
  publish(topic: string, data: unknown, from: ChannelSender): number {
    this.counters.published++;
    const set = this.byTopic.get(topic);
    if (!set) return 0;
    // One tagged object shared by every receiver's send.
    const delivery: Tagged<ChannelDelivery> = { cmd: IPC_TAG, wm: 'channel', topic, data, from };
    let sent = 0;
    for (const receiver of set) {
      if (receiver.pending >= MAX_PENDING || !receiver.worker.isConnected()) {
        receiver.dropped++;
        this.counters.dropped++;
        continue;
      }
      receiver.pending++;
      try {
        receiver.worker.send(delivery, undefined, undefined, receiver.onSent);
        sent++;
      } catch {
        receiver.pending--; // the channel closed under us: the process is going away
      }
    }
    this.counters.delivered += sent;
    return sent;
  }

  /** A process exited: it receives nothing more. */
  forget(pid: number): void {
    const receiver = this.receivers.get(pid);
    if (!receiver) return;
    for (const topic of [...receiver.topics]) this.unsubscribe(receiver, topic);
    this.receivers.delete(pid);
  }

  stats(): ChannelRelayStats {
    return { ...this.counters };
  }

  private unsubscribe(receiver: Receiver, topic: string): void {
    receiver.topics.delete(topic);
    const set = this.byTopic.get(topic);
    if (!set) return;
    set.delete(receiver);
    if (set.size === 0) this.byTopic.delete(topic);
  }
}
