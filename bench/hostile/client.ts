// The measured process of bench/hostile/run.ts: one AsyncTcpConnection per case against the hostile peer
// the parent runs, with the documented defaults unless the case says otherwise. Reports the error code,
// the time from connect to it, and the process's peak RSS while the case ran (sampled every 50 ms).
import { AsyncTcpConnection } from '../../src/connection/index.js';
import { serve } from '../lib/procs.js';

serve(async (msg) => {
  const base = process.memoryUsage().rss;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const t0 = performance.now();
  const conn = new AsyncTcpConnection<unknown>(msg.url as string, {
    proxy: false,
    ...(msg.options as object),
  });
  let messages = 0;
  let sendFalseAt: number | null = null;
  let sent = 0;
  const result = await new Promise<{ code: number | null; message: string; ms: number }>((resolve) => {
    const bound = setTimeout(
      () => resolve({ code: null, message: 'still open', ms: performance.now() - t0 }),
      msg.boundMs as number,
    );
    conn.onMessage = () => {
      messages++;
    };
    conn.onConnect = () => {
      if (!msg.send) return;
      // The app keeps sending 64 KiB every 10 ms to a peer that never reads.
      const chunk = 'x'.repeat(65536);
      const t = setInterval(() => {
        if (conn.state !== 'open') return clearInterval(t);
        for (let i = 0; i < 4; i++) {
          if (conn.send(chunk) === false) sendFalseAt ??= performance.now() - t0;
          else sent++;
        }
      }, 10);
    };
    conn.onError = (_c, code, message) => {
      if (code === 2) return; // SEND_FAIL: the connection stays up
      clearTimeout(bound);
      resolve({ code, message, ms: performance.now() - t0 });
    };
    conn.onClose = () => {
      clearTimeout(bound);
      resolve({ code: null, message: 'closed without error', ms: performance.now() - t0 });
    };
    conn.connect();
  });
  const buffered = conn.info().queuedBytes;
  conn.destroy();
  clearInterval(sampler);
  return { ...result, messages, sendFalseAt, sent, buffered, baseRss: base, peakRss: peak };
});
