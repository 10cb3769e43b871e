// The first start: fork every slot and resolve once all are ready; reject with RuntimeStartError when a
// slot gives up, the start deadline passes, or a stop comes first. The caller stops what did start.
import { RuntimeStartError } from './errors.js';
import { slotName, type Slot, type Supervisor } from './supervisor.js';

export interface StartOptions {
  /** Seconds every worker gets to become ready. */
  readyTimeout: number;
  /** Resolves when a stop (a signal, Worker.stopAll(), rt.stop()) has run. */
  stopped: Promise<void>;
  isStopping: () => boolean;
}

export function startWorkers(supervisor: Supervisor, options: StartOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const stoppedWhileStarting = () => new RuntimeStartError('stopped while starting', null, true);
    const timer = setTimeout(
      () => finish(new RuntimeStartError(`workers not ready after ${options.readyTimeout} s`)),
      options.readyTimeout * 1000,
    );
    const check = () => {
      if (options.isStopping()) finish(stoppedWhileStarting());
      else if (supervisor.slots.every((slot) => slot.state === 'ready')) finish(null);
    };
    const onFailed = (slot: Slot, reason: string) =>
      finish(new RuntimeStartError(`worker ${slotName(slot)} ${reason}`, slotName(slot)));
    let done = false;
    const finish = (error: RuntimeStartError | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      supervisor.off('workerReady', check);
      supervisor.off('slotFailed', onFailed);
      if (error) reject(error);
      else resolve();
    };
    supervisor.on('workerReady', check);
    supervisor.on('slotFailed', onFailed);
    void options.stopped.then(() => finish(stoppedWhileStarting()));
    supervisor.startAll();
  });
}
