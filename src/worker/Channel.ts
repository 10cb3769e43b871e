// Cross-worker messaging, the worker side: "tell the other workers". A worker subscribes to topics and
// publishes messages on them; the master relays each message over node:cluster IPC to every worker process
// subscribed to its topic (src/master/channel-relay.ts). No broker, no port, no extra dependency: the IPC
// channel every worker already has. Semantics (docs/worker.md, "Channel"): best effort, in the same order
// for every receiver, bounded in flight.
import {
  IPC_TAG,
  tagged,
  type ChannelDelivery,
  type ChannelSender,
  type Tagged,
  type WorkerMessage,
} from '../shared/messages.js';

export type { ChannelSender } from '../shared/messages.js';
export type ChannelHandler = (data: unknown, from: ChannelSender) => unknown;

const handlers = new Map<string, Set<ChannelHandler>>();
const counters = { published: 0, received: 0, dropped: 0 };
/** Publishes handed to process.send whose callback has not run yet (not yet written to the IPC pipe). */
let inFlight = 0;

/** One shared completion callback for every publish: no closure per message. */
function onSent(): void {
  inFlight--;
}

/** A subscription change (not counted in flight: there are few of them). */
function send(message: WorkerMessage): void {
  if (process.send && process.connected) process.send(tagged(message));
}

function checkTopic(topic: unknown, what: string): asserts topic is string {
  if (typeof topic !== 'string' || topic.length === 0 || topic.length > 256)
    throw new TypeError(
      `${what}: topic must be a non-empty string of at most 256 characters, got ${String(topic)}`,
    );
}

export class Channel {
  /**
   * Publishes of this process that may be waiting to be written to the IPC pipe at once; beyond it
   * `publish()` drops the message and returns `false` (a master that does not read, or a tight loop that
   * publishes faster than IPC carries). Default `1024`.
   */
  static maxPending = 1024;

  /**
   * Receive every message published on `topic` by any worker process (this one included) from now on.
   * Call it in `onWorkerStart`: subscriptions made before that returns are in place at the master before
   * the worker counts as ready, so a reload's replacement misses nothing its predecessor would have got.
   */
  static on(topic: string, handler: ChannelHandler): void {
    checkTopic(topic, 'Channel.on');
    if (typeof handler !== 'function') throw new TypeError('Channel.on: handler must be a function');
    let set = handlers.get(topic);
    if (!set) {
      set = new Set();
      handlers.set(topic, set);
      send({ wm: 'subscribe', topic });
    }
    set.add(handler);
  }

  /** Stop receiving `topic` (one handler, or all of them). */
  static off(topic: string, handler?: ChannelHandler): void {
    const set = handlers.get(topic);
    if (!set) return;
    if (handler) set.delete(handler);
    else set.clear();
    if (set.size > 0) return;
    handlers.delete(topic);
    send({ wm: 'unsubscribe', topic });
  }

  /**
   * Publish `data` on `topic` to every worker process subscribed to it (this one too, if it is). `data` is
   * anything the structured clone algorithm copies (strings, Buffers, plain objects, Maps, ...). Returns
   * `true` when the message is on its way to the master, `false` when it was dropped: not in a worker
   * process, the master is gone, or `maxPending` publishes are still waiting to be written. Throws a
   * TypeError for a bad topic or data that cannot be copied between processes (a function, a socket).
   */
  static publish(topic: string, data: unknown): boolean {
    checkTopic(topic, 'Channel.publish');
    if (inFlight >= Channel.maxPending || !process.send || !process.connected) {
      counters.dropped++;
      return false;
    }
    try {
      inFlight++;
      // One object per publish, tag included (tagged() would copy it).
      const message: Tagged<WorkerMessage> = { cmd: IPC_TAG, wm: 'publish', topic, data };
      process.send(message, undefined, undefined, onSent);
    } catch (err) {
      inFlight--;
      throw new TypeError(
        `Channel.publish('${topic}'): the data cannot be sent to other processes: ${(err as Error).message}`,
      );
    }
    counters.published++;
    return true;
  }

  /** This process's counters: published, received (deliveries to this process), dropped (by publish). */
  static get stats(): Readonly<{ published: number; received: number; dropped: number }> {
    return { ...counters };
  }

  /** Topics this process is subscribed to. */
  static topics(): string[] {
    return [...handlers.keys()];
  }
}

/**
 * @internal Deliver one message the master relayed (worker-process.ts's message handler). A handler that
 * throws is an uncaught exception, as in any other user callback: logged, and the worker is replaced.
 */
export function deliverChannelMessage(message: ChannelDelivery): void {
  const set = handlers.get(message.topic);
  if (!set) return; // unsubscribed while it was on its way
  counters.received++;
  for (const handler of set) handler(message.data, message.from);
}
