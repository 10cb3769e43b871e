// Real local servers the connection tests talk to (127.0.0.1, ephemeral ports). No mocks.
import net from 'node:net';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { WebSocketServer, type WebSocket, type ServerOptions } from 'ws';

export interface WsServer {
  wss: WebSocketServer;
  port: number;
  url: string;
  /** Every message the server received, in order, with its frame type. */
  received: { data: string; isBinary: boolean }[];
  /** Upgrade request headers of every connection, in order. */
  requests: http.IncomingHttpHeaders[];
  pings: number;
  sockets: Set<WebSocket>;
  close(): Promise<void>;
}

/** A ws server that records what it receives and answers nothing unless `onConnection` does. */
export async function startWsServer(
  options: Partial<ServerOptions> = {},
  onConnection?: (s: WebSocket) => void,
): Promise<WsServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  await new Promise<void>((r) => wss.once('listening', r));
  const port = (wss.address() as net.AddressInfo).port;
  const srv: WsServer = {
    wss,
    port,
    url: `ws://127.0.0.1:${port}`,
    received: [],
    requests: [],
    pings: 0,
    sockets: new Set(),
    close: () =>
      new Promise<void>((r) => {
        for (const s of srv.sockets) s.terminate();
        wss.close(() => r());
      }),
  };
  wss.on('connection', (s, req) => {
    srv.sockets.add(s);
    srv.requests.push(req.headers);
    s.on('close', () => srv.sockets.delete(s));
    s.on('ping', () => srv.pings++);
    s.on('message', (d: Buffer, isBinary: boolean) => srv.received.push({ data: d.toString(), isBinary }));
    onConnection?.(s);
  });
  return srv;
}

export interface RawServer {
  server: net.Server;
  port: number;
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** A plain TCP server; `onSocket` decides what the peer sees. */
export async function startRawServer(
  onSocket: (s: net.Socket) => void,
  server: net.Server = net.createServer(),
): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    server,
    port,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound then released). */
export async function refusedPort(): Promise<number> {
  const s = await startRawServer(() => {});
  await s.close();
  return s.port;
}

/** Accepts TCP, reads and discards everything, never answers anything. */
export const startSilentServer = (): Promise<RawServer> => startRawServer((s) => s.resume());

/** An HTTP server that answers every upgrade with `status`. */
export function startRejectingServer(status: number): Promise<RawServer> {
  const server = http.createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end('no');
  });
  return startRawServer(() => {}, server);
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** The Sec-WebSocket-Accept a server answers to `key` (RFC 6455 4.2.2). */
export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/**
 * Reads a client's upgrade request head on an accepted socket, then stops listening and calls `answer` with
 * the head and its Sec-WebSocket-Key (what a hand-written websocket server does first).
 */
export function onUpgradeRequest(socket: net.Socket, answer: (head: string, key: string) => void): void {
  let head = '';
  const onData = (chunk: Buffer): void => {
    head += chunk.toString('latin1');
    if (!head.includes('\r\n\r\n')) return;
    socket.off('data', onData);
    answer(head, /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '');
  };
  socket.on('data', onData);
}

/** Builds one websocket frame as a server would (or wouldn't) send it. */
export function frame(
  opcode: number,
  payload: Buffer | string,
  opts: { mask?: boolean; fin?: boolean; length?: number } = {},
): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = opts.length ?? body.length;
  const head: number[] = [((opts.fin ?? true) ? 0x80 : 0) | opcode];
  const maskBit = opts.mask ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 255);
  else {
    head.push(maskBit | 127, 0, 0, 0, 0);
    head.push((len >>> 24) & 255, (len >>> 16) & 255, (len >>> 8) & 255, len & 255);
  }
  if (opts.mask) head.push(1, 2, 3, 4);
  let data = body;
  if (opts.mask) {
    data = Buffer.from(body);
    for (let i = 0; i < data.length; i++) data[i]! ^= [1, 2, 3, 4][i % 4]!;
  }
  return Buffer.concat([Buffer.from(head), data]);
}

/**
 * A hand-written websocket server: reads the upgrade request, then writes the 101 answer followed by
 * `after` (frames or garbage) in ONE write, so it arrives in the same TCP read as the handshake.
 */
export function startRawWsServer(after: () => Buffer): Promise<RawServer> {
  return startRawServer((s) =>
    onUpgradeRequest(s, (_head, key) => {
      const answer = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`;
      s.write(Buffer.concat([Buffer.from(answer), after()]));
    }),
  );
}
