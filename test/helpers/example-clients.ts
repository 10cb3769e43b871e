// Real clients for the listening examples' tests: a websocket client that keeps what it receives, one-shot
// HTTP requests, curl, and a client that opens a new connection every few ms through a reload and
// records every refusal or reset (the "zero refused connections" check).
import http from 'node:http';
import { execFile } from 'node:child_process';
import { WebSocket } from 'ws';

export interface WsClient {
  ws: WebSocket;
  received: string[];
  /** Resolves once a received message matches (rejects after `ms`). */
  next(pattern: RegExp | string, ms?: number): Promise<string>;
  close(): Promise<void>;
}

export function wsClient(url: string, ms = 5000): Promise<WsClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const received: string[] = [];
    const waiters = new Set<() => void>();
    ws.on('message', (data: Buffer) => {
      received.push(data.toString());
      for (const w of waiters) w();
    });
    const timer = setTimeout(
      () => (ws.terminate(), reject(new Error(`${url}: not open after ${ms} ms`))),
      ms,
    );
    ws.once('error', (err) => (clearTimeout(timer), reject(err)));
    ws.once('open', () => {
      clearTimeout(timer);
      resolve({
        ws,
        received,
        next(pattern, waitMs = 5000) {
          return new Promise((res, rej) => {
            const check = () => {
              const hit = received.find((m) =>
                typeof pattern === 'string' ? m === pattern : pattern.test(m),
              );
              if (hit === undefined) return;
              waiters.delete(check);
              clearTimeout(t);
              res(hit);
            };
            const t = setTimeout(() => {
              waiters.delete(check);
              rej(
                new Error(
                  `no message matching ${String(pattern)} in ${waitMs} ms; got ${JSON.stringify(received)}`,
                ),
              );
            }, waitMs);
            waiters.add(check);
            check();
          });
        },
        close: () =>
          new Promise<void>((res) => {
            if (ws.readyState === WebSocket.CLOSED) return res();
            ws.once('close', () => res());
            ws.close();
          }),
      });
    });
  });
}

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no keep-alive agent), bounded by `ms`. */
export function request(
  url: string,
  options: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
  ms = 5000,
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(ms, () => req.destroy(new Error(`${url}: no answer in ${ms} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `curl -s -i <args>`: the real HTTP client the issue names. */
export function curl(args: string[], ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-i', '--max-time', String(ms / 1000), ...args], (err, stdout) =>
      err ? reject(new Error(`curl ${args.join(' ')}: ${err.message}`)) : resolve(stdout),
    );
  });
}

export interface Hammer {
  /** Stop starting attempts, wait for those in flight, and say how it went. */
  stop(): Promise<{ attempts: number; ok: number; failures: string[] }>;
}

/** Start `attempt()` every `everyMs` (each on its own connection, not waiting for the previous one). */
export function hammer(attempt: () => Promise<void>, everyMs = 5): Hammer {
  const inFlight = new Set<Promise<void>>();
  const failures: string[] = [];
  let attempts = 0;
  let ok = 0;
  const timer = setInterval(() => {
    attempts++;
    const p = attempt().then(
      () => void ok++,
      (err: Error) => void failures.push(err.message),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      return { attempts, ok, failures };
    },
  };
}

/** Open a websocket, wait for its first message (or just `open`), close it. */
export async function wsOnce(url: string, firstMessage = false): Promise<void> {
  const c = await wsClient(url);
  if (firstMessage) await c.next(/./);
  await c.close();
}
