// Timer: Workerman's Timer::add/del/delAll on Node's own timers. Works in a plain script too.

// any: a callback with typed parameters (`(id: number) => void`) must be accepted; unknown[] would refuse it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type TimerCallback = (...args: any[]) => unknown;

interface TimerEntry {
  handle: NodeJS.Timeout;
  persistent: boolean;
}

const timers = new Map<number, TimerEntry>();
let nextId = 1;

export const Timer = {
  /**
   * Run `fn(...args)` every `interval` seconds (fractions allowed), or once when `persistent` is false.
   * Returns the timer id for `Timer.del`.
   */
  add(interval: number, fn: TimerCallback, args: readonly unknown[] = [], persistent = true): number {
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
      throw new TypeError(`Timer.add: interval must be a number of seconds >= 0, got ${String(interval)}`);
    }
    if (typeof fn !== 'function') throw new TypeError('Timer.add: the callback must be a function');
    const id = nextId++;
    const ms = Math.max(1, Math.round(interval * 1000));
    const handle = persistent
      ? setInterval(fn, ms, ...args)
      : setTimeout(() => {
          timers.delete(id);
          fn(...args);
        }, ms);
    timers.set(id, { handle, persistent });
    return id;
  },

  /** Run `fn(...args)` once after `delay` seconds. */
  delay(delay: number, fn: TimerCallback, args: readonly unknown[] = []): number {
    return Timer.add(delay, fn, args, false);
  },

  /** Run `fn(...args)` every `interval` seconds. */
  repeat(interval: number, fn: TimerCallback, args: readonly unknown[] = []): number {
    return Timer.add(interval, fn, args, true);
  },

  /** Cancel a timer. Returns false when no such timer is pending. */
  del(id: number): boolean {
    const entry = timers.get(id);
    if (!entry) return false;
    if (entry.persistent) clearInterval(entry.handle);
    else clearTimeout(entry.handle);
    timers.delete(id);
    return true;
  },

  /** Cancel every timer created through `Timer`. */
  delAll(): void {
    for (const id of [...timers.keys()]) Timer.del(id);
  },

  /** How many timers are pending (the `timers` column of `status`). */
  count(): number {
    return timers.size;
  },
};
