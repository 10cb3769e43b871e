// A local websocket server for the examples: echoes every message and sends a tick every `tickMs`.
// Listens on 127.0.0.1 only. `restart()` closes it (clients see their connection drop) and listens again
// on the same port after `downMs`.
// Run on its own for the examples: node dist/examples/demo-server.js [port] [tickMs] (Ctrl-C stops it).
import { pathToFileURL } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';

export interface DemoServer {
  port: number;
  url: string;
  /** Handshake headers of every client that connected (to check `headers`). */
  readonly handshakes: Record<string, string | string[] | undefined>[];
  restart(downMs: number): Promise<void>;
  close(): Promise<void>;
}

export async function startDemoServer(port = 0, tickMs = 500): Promise<DemoServer> {
  const handshakes: DemoServer['handshakes'] = [];
  let wss = await listen(port);
  const actualPort = (wss.address() as { port: number }).port;
  let ticks = 0;
  const ticker = setInterval(() => {
    ticks++;
    for (const client of wss.clients) client.send(`tick ${ticks}`);
  }, tickMs);

  function listen(onPort: number): Promise<WebSocketServer> {
    return new Promise((resolve, reject) => {
      const server = new WebSocketServer({ host: '127.0.0.1', port: onPort });
      server.on('connection', (socket: WebSocket, request) => {
        handshakes.push(request.headers);
        socket.on('message', (data, isBinary) =>
          socket.send(isBinary ? data : `echo: ${(data as Buffer).toString()}`),
        );
      });
      server.once('listening', () => resolve(server));
      server.once('error', reject);
    });
  }

  function shutdown(server: WebSocketServer): Promise<void> {
    for (const client of server.clients) client.terminate();
    return new Promise((resolve) => server.close(() => resolve()));
  }

  return {
    port: actualPort,
    url: `ws://127.0.0.1:${actualPort}`,
    handshakes,
    async restart(downMs) {
      await shutdown(wss);
      await new Promise((r) => setTimeout(r, downMs));
      wss = await listen(actualPort);
    },
    async close() {
      clearInterval(ticker);
      await shutdown(wss);
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startDemoServer(Number(process.argv[2] ?? 8765), Number(process.argv[3] ?? 500));
  console.log(
    `demo server on ${server.url}: echoes every message, a tick every ${process.argv[3] ?? 500} ms`,
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.close());
}
