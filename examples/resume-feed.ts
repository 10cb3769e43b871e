// Resuming a sequence-numbered feed with no gap and no duplicate, across reconnects and across `reload`.
// Each worker (id 0, 1) consumes stream "s<id>" of the feed at FEED_URL (examples/resume-feed-server.ts) and
// appends every message to FEED_DIR/s<id>.log, in order, one line each. That file is the application's
// output AND the place the last sequence number is kept: at every (re)subscription the process reads the
// last line and asks the feed to resume after it. A replacement (after a reload or a crash) gets nothing
// from the process it replaces: the feed closes the older subscriber (4000 "superseded") and waits for its
// close handshake before it lets the newer one resume, so the two never write at the same time.
//   FEED_URL=ws://127.0.0.1:8090 FEED_DIR=/tmp/feed node dist/examples/resume-feed.js start
// See docs/reliability.md ("Resuming across reconnects and reloads").
import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { AsyncTcpConnection, Worker } from 'workerman-ts';

const url = process.env.FEED_URL ?? 'ws://127.0.0.1:8090';
const dir = process.env.FEED_DIR ?? './feed-out';

/** The sequence number on the last line of `file` (0 when there is none yet). */
function lastSequence(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return 0;
  }
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(Math.min(size, 256));
    readSync(fd, tail, 0, tail.length, size - tail.length);
    const lines = tail.toString().trimEnd().split('\n');
    return Number(lines[lines.length - 1]!.split(' ')[0]) || 0;
  } finally {
    closeSync(fd);
  }
}

const worker = new Worker({ name: 'resume-feed', count: 2 });

worker.onWorkerStart = (w) =>
  new Promise<void>((ready) => {
    mkdirSync(dir, { recursive: true });
    const stream = `s${w.id}`;
    const file = join(dir, `${stream}.log`);
    let last = 0;
    let stopping = false;
    const conn = new AsyncTcpConnection<string>(url, { websocketPingInterval: 5, pongTimeout: 5 });
    conn.onWebSocketConnect = (c) => c.send(`hello ${stream}`);
    conn.onMessage = (c, data) => {
      if (data === 'ready') {
        last = lastSequence(file); // where the last sequence is kept: the output itself
        c.send(`resume ${last}`);
        ready();
        return;
      }
      const seq = Number(data.slice(0, data.indexOf(' ')));
      if (seq !== last + 1) {
        // The feed's contract makes this impossible; if it ever happens, stop rather than write a hole.
        console.error(`[${stream}] expected ${last + 1}, got ${seq}: closing`);
        c.close();
        return;
      }
      appendFileSync(file, `${data}\n`);
      last = seq;
    };
    conn.onClose = (c) => {
      // Reported even when the stop came first: the feed answers the newer process once it has seen this
      // socket close, so the master's stop can reach this process before its own close event does.
      if (c.closeCode === 4000) {
        console.log(`[${stream}] superseded by a newer process, standing down`);
        return;
      }
      if (!stopping) c.reConnect(0.2);
    };
    conn.onError = (_c, code, message) => console.error(`[${stream}] error ${code}: ${message}`);
    w.onWorkerStop = () => {
      stopping = true;
    };
    conn.connect();
  });

Worker.runAll();
