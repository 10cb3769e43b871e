// Clients for tests of listening workers: a ws client, a raw TCP client, an HTTP request, all bounded in time.
import net from 'node:net';
import http from 'node:http';
import WebSocket from 'ws';

/** Opens a websocket and resolves once open (rejects on error or after `timeoutMs`). */
export function wsOpen(url: string, timeoutMs = 5000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`websocket ${url} not open within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** The next message of `ws` (text as string). */
export function nextMessage(ws: WebSocket, timeoutMs = 5000): Promise<string | Buffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
    ws.once('message', (data: Buffer, isBinary: boolean) => {
      clearTimeout(timer);
      resolve(isBinary ? data : data.toString());
    });
  });
}

/** Resolves with the close code and reason once `ws` closes. */
export function closed(ws: WebSocket, timeoutMs = 5000): Promise<{ code: number; reason: string }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not closed within ${timeoutMs} ms`)), timeoutMs);
    ws.once('close', (code: number, reason: Buffer) => {
      clearTimeout(timer);
      resolve({ code, reason: reason.toString() });
    });
  });
}

/** A raw TCP client: everything received, and the end. */
export interface RawClient {
  socket: net.Socket;
  received(): Buffer;
  /** Resolves when the received bytes match `pattern` (latin1 text). */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves when the server ended or reset the connection ('end' | 'reset' | 'close'). */
  ended(timeoutMs?: number): Promise<string>;
  /** How it ended so far, or null while it is open. */
  endedHow(): string | null;
}

export function rawConnect(port: number, timeoutMs = 5000): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let how: string | null = null;
    const waiters = new Set<() => void>();
    const wake = (): void => {
      for (const w of waiters) w();
    };
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      wake();
    });
    socket.on('end', () => {
      how ??= 'end';
      wake();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      how = e.code === 'ECONNRESET' ? 'reset' : `error ${e.code}`;
      wake();
    });
    socket.on('close', () => {
      how ??= 'close';
      wake();
    });
    const timer = setTimeout(() => reject(new Error('tcp connect timed out')), timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', reject);
      const client: RawClient = {
        socket,
        received: () => Buffer.concat(chunks),
        waitFor(pattern, ms = 5000) {
          return waitUntil(
            () => {
              const text = Buffer.concat(chunks).toString('latin1');
              return (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text))
                ? text
                : null;
            },
            `${String(pattern)} (got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))})`,
            ms,
          );
        },
        ended(ms = 5000) {
          return waitUntil(() => how, 'the end of the connection', ms);
        },
        endedHow: () => how,
      };
      function waitUntil<T>(get: () => T | null, what: string, ms: number): Promise<T> {
        return new Promise((res, rej) => {
          const check = (): void => {
            const v = get();
            if (v !== null) {
              clearTimeout(t);
              waiters.delete(check);
              res(v);
            }
          };
          const t = setTimeout(() => {
            waiters.delete(check);
            rej(new Error(`timed out waiting for ${what}`));
          }, ms);
          waiters.add(check);
          check();
        });
      }
      resolve(client);
    });
    socket.once('error', reject);
  });
}

/** One HTTP request; resolves with status, headers and body. */
export function httpRequest(
  port: number,
  options: { method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: false,
      },
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
    req.setTimeout(5000, () => req.destroy(new Error('http request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}
