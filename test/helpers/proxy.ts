// A minimal HTTP CONNECT proxy on 127.0.0.1 that records the CONNECT targets and Proxy-Authorization values.
import net from 'node:net';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectProxy {
  port: number;
  url: string;
  targets: string[];
  auths: (string | undefined)[];
  close(): Promise<void>;
}

/** Starts the proxy; only targets on 127.0.0.1 are allowed (tests stay on loopback). */
export async function startConnectProxy(): Promise<ConnectProxy> {
  const server = http.createServer((_req, res) => res.writeHead(405).end());
  const sockets = new Set<net.Socket>();
  const p: ConnectProxy = {
    port: 0,
    url: '',
    targets: [],
    auths: [],
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    p.targets.push(req.url ?? '');
    p.auths.push(req.headers['proxy-authorization']);
    sockets.add(client);
    client.on('error', () => {});
    const [host, port] = (req.url ?? '').split(':');
    if (host !== '127.0.0.1' && host !== 'localhost') {
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const upstream = net.connect(Number(port), '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  p.port = (server.address() as AddressInfo).port;
  p.url = `http://127.0.0.1:${p.port}`;
  return p;
}
