// The feed the resume example (examples/resume-feed.ts) consumes: a websocket server with named streams,
// each producing sequence-numbered messages ("<seq> <payload>") and keeping the last `window` of them, so
// that a subscriber can resume where it left off. The protocol (text frames):
//   client: "hello <stream>"   server: closes any other subscriber of <stream> with 4000 "superseded" and
//                                      waits for its close handshake (so it has processed everything it
//                                      was sent), then answers "ready"
//   client: "resume <lastSeq>" server: sends every message after lastSeq from its window, then the live ones;
//                                      a lastSeq older than the window is closed with 4001 (the app must
//                                      resynchronise some other way: a snapshot, as exchanges do)
// Run it alone: node dist/examples/resume-feed-server.js [port]
import { WebSocketServer, type WebSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

interface Stream {
  seq: number;
  window: string[];
  subscriber: WebSocket | null;
  live: boolean;
}

export interface ResumeFeedServer {
  port: number;
  url: string;
  /** The last sequence number produced on `stream`. */
  seq(stream: string): number;
  /** Drop every connection abruptly (a network failure): subscribers must reconnect and resume. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startResumeFeedServer(
  options: { port?: number; intervalMs?: number; window?: number } = {},
): Promise<ResumeFeedServer> {
  const windowSize = options.window ?? 10_000;
  const streams = new Map<string, Stream>();
  const stream = (name: string): Stream => {
    let s = streams.get(name);
    if (!s) streams.set(name, (s = { seq: 0, window: [], subscriber: null, live: false }));
    return s;
  };
  const wss = new WebSocketServer({ host: '127.0.0.1', port: options.port ?? 0, perMessageDeflate: false });
  await new Promise<void>((r) => wss.once('listening', r));

  const ticker = setInterval(() => {
    for (const s of streams.values()) {
      s.seq++;
      const message = `${s.seq} payload-${s.seq}`;
      s.window.push(message);
      if (s.window.length > windowSize) s.window.shift();
      if (s.live && s.subscriber?.readyState === 1) s.subscriber.send(message);
    }
  }, options.intervalMs ?? 10);

  wss.on('connection', (ws) => {
    let mine: Stream | null = null;
    ws.on('error', () => {});
    ws.on('close', () => {
      if (mine?.subscriber === ws) {
        mine.subscriber = null;
        mine.live = false;
      }
    });
    ws.on('message', (data: Buffer) => {
      const [verb, arg] = data.toString().split(' ');
      if (verb === 'hello' && arg) {
        const s = stream(arg);
        mine = s;
        const old = s.subscriber;
        s.subscriber = ws;
        s.live = false;
        if (old && old !== ws && old.readyState <= 1) {
          // One subscriber per stream: the newer one wins once the older one has processed what it got.
          const give = setTimeout(() => old.terminate(), 5000);
          old.once('close', () => {
            clearTimeout(give);
            if (s.subscriber === ws) ws.send('ready');
          });
          old.close(4000, 'superseded');
        } else ws.send('ready');
      } else if (verb === 'resume' && mine && mine.subscriber === ws) {
        const last = Number(arg);
        const first = mine.seq - mine.window.length; // the window holds first+1 .. seq
        if (!Number.isInteger(last) || last < first || last > mine.seq) {
          ws.close(4001, `resume point ${arg} outside the window ${first}..${mine.seq}`);
          return;
        }
        for (let i = last - first; i < mine.window.length; i++) ws.send(mine.window[i]!);
        mine.live = true;
      }
    });
  });

  const port = (wss.address() as AddressInfo).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    seq: (name) => streams.get(name)?.seq ?? 0,
    dropAll() {
      for (const ws of wss.clients) ws.terminate();
    },
    close: () =>
      new Promise<void>((r) => {
        clearInterval(ticker);
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => r());
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const srv = await startResumeFeedServer({ port: Number(process.argv[2] ?? 8090) });
  console.log(`resume feed on ${srv.url}`);
}
