// One listening server: the node:net or node:http server for a listen address, accepting connections into
// TcpConnections of its host (a Worker). Knows nothing about processes: inside a cluster worker Node shares
// the port through the primary (round-robin), with `reusePort` each process binds its own socket.
// What a stop or reload does with it (unlisten, then close the connections) is decided in src/worker/.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { WebSocketServer } from 'ws';
import { ConnectionError, fault, type ConnectionFault } from '../errors.js';
import type { LinkConfig } from '../link.js';
import { getProtocol } from '../protocol/Protocol.js';
import { acceptStreamLink } from '../transport/stream.js';
import type { ListenAddress } from './address.js';
import { HttpLink } from './http-link.js';
import { portOwner } from './port-owner.js';
import { ServerCounters } from './registry.js';
import type { AcceptingServer } from './accepted.js';
import { TcpConnection } from './TcpConnection.js';
import type { ConnectionHost, ServerSettings } from './types.js';
import { answerAndEnd, upgrade } from './upgrade.js';

const requireCjs = createRequire(import.meta.url);

/** The connection an http:// socket belongs to, and its HTTP link. */
const CONN = Symbol('workerman.conn');
const HTTP = Symbol('workerman.http');
type Tagged = Socket & { [CONN]?: TcpConnection; [HTTP]?: HttpLink };

/** A listen failure: what Worker start reports (`permanent` = retrying cannot help: port taken, no permission). */
export class ListenError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly permanent: boolean,
  ) {
    super(message);
  }
}

export class Listener implements AcceptingServer {
  readonly scheme: string;
  readonly display: string;
  private readonly server: net.Server;
  private wss: WebSocketServer | null = null;
  /** Stream protocols: what every connection's StreamLink is configured with (target.where set per connection). */
  private readonly stream: LinkConfig | null = null;

  constructor(
    private readonly address: ListenAddress,
    readonly host: ConnectionHost<TcpConnection>,
    readonly settings: ServerSettings,
    private readonly reusePort = false,
  ) {
    this.scheme = address.scheme;
    this.display = address.display;
    if (this.scheme === 'http' || this.scheme === 'websocket') {
      const server = http.createServer({
        headersTimeout: settings.handshakeTimeout * 1000,
        requestTimeout: Math.max(300_000, settings.handshakeTimeout * 1000),
        // how often Node checks the two timeouts above (its default, 30 s, lets a slow head linger)
        connectionsCheckingInterval: Math.min(30_000, Math.max(250, settings.handshakeTimeout * 250)),
        noDelay: true,
      });
      server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => this.clientError(err, socket));
      if (this.scheme === 'http') {
        server.on('connection', (socket: Socket) => this.acceptHttp(socket));
        server.on('request', (req: IncomingMessage, res: ServerResponse) => this.request(req, res));
      } else {
        server.on('request', (req: IncomingMessage, res: ServerResponse) => {
          this.fresh.delete(req.socket); // not a websocket client: answered and closed, not waited for
          res.shouldKeepAlive = false;
          res.writeHead(426, { 'content-type': 'text/plain; charset=utf-8', upgrade: 'websocket' });
          res.end('this is a websocket:// server: connect with a websocket client\n');
        });
        server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) =>
          this.upgrade(req, socket, head),
        );
        // TCP connections whose upgrade request has not arrived yet: a stopping worker waits for them
        server.on('connection', (socket: Socket) => this.trackFresh(socket));
      }
      this.server = server;
    } else {
      const protocol = this.scheme === 'tcp' ? null : (getProtocol(this.scheme) ?? null);
      this.stream = {
        target: {
          scheme: this.scheme,
          host: '',
          port: 0,
          path: '',
          secure: false,
          where: '',
          display: '',
          url: '',
        },
        url: '',
        headers: {},
        tls: {},
        proxy: null,
        binary: false,
        maxPackageSize: settings.maxPackageSize,
        skipUTF8Validation: false,
        closeTimeoutMs: settings.closeTimeout * 1000,
        protocol,
      };
      this.server = net.createServer({ noDelay: true }, (socket) => this.acceptStream(socket));
    }
  }

  /** The bound port (useful with port 0), or 0 before listening. */
  get port(): number {
    const a = this.server.address();
    return a !== null && typeof a === 'object' ? a.port : 0;
  }

  /** Binds (through the cluster primary in a cluster worker). @throws ListenError, with the port's owner when known. */
  listen(): Promise<void> {
    const { host, port } = this.address;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => reject(this.listenError(err));
      this.server.once('error', onError);
      const options: net.ListenOptions & { reusePort?: boolean } = { host, port };
      if (this.reusePort) {
        options.reusePort = true;
        options.exclusive = true; // each process binds its own socket; the kernel spreads connections
      }
      this.server.listen(options, () => {
        this.server.off('error', onError);
        this.server.on('error', () => undefined); // after listening, errors belong to connections
        resolve();
      });
    });
  }

  private listenError(err: NodeJS.ErrnoException): ListenError {
    const code = err.code ?? 'UNKNOWN';
    const words: Record<string, string> = {
      EADDRINUSE: 'address already in use',
      EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
      EADDRNOTAVAIL: 'address not available on this machine',
      ENOTFOUND: 'host not found',
    };
    let message = `cannot listen on ${this.display}: ${words[code] ?? err.message} (${code})`;
    if (code === 'EADDRINUSE') {
      const owner = portOwner(this.address.port);
      message += owner !== null ? `; the port is held by ${owner}` : '; another process holds the port';
    }
    return new ListenError(message, code, code in words);
  }

  /** Set by unlisten(): connections accepted from now on are closed as soon as they are open. */
  stopping = false;
  /** websocket://: accepted sockets whose upgrade request is still to come. */
  private readonly fresh = new Set<Socket>();
  /** `fresh`'s size at which sockets that closed before their upgrade request are swept out. */
  private sweepAt = 64;

  /**
   * No close listener per socket (it would stay for the connection's whole life, ~200 B each): sockets that
   * closed before upgrading are swept when the set has doubled, so a flood of them stays bounded.
   */
  private trackFresh(socket: Socket): void {
    if (this.fresh.size >= this.sweepAt) {
      for (const s of this.fresh) if (s.destroyed) this.fresh.delete(s);
      this.sweepAt = Math.max(64, this.fresh.size * 2);
    }
    this.fresh.add(socket);
  }

  /**
   * Stops accepting new connections (the open ones stay). In a cluster worker, the primary stops sending
   * any. net.Server's close, not http.Server's: that one also destroys every connection that has no request
   * in progress, including one accepted a moment ago whose first request is on its way (a reset for the
   * client); those are answered and closed by closeConnections() instead.
   */
  unlisten(): void {
    this.stopping = true;
    if (this.server.listening) net.Server.prototype.close.call(this.server);
  }

  /** Connections (and websocket:// sockets still to send their upgrade request) not closed yet. */
  openCount(): number {
    let n = 0;
    for (const socket of this.fresh) if (!socket.destroyed) n++;
    for (const conn of this.host.connections.values()) if (conn.server === this) n++;
    return n;
  }

  /** Closes every open connection of this server: websocket close `code`, TCP FIN, HTTP after pending answers. */
  closeConnections(code = 1001, reason = ''): void {
    for (const conn of [...this.host.connections.values()])
      if (conn.server === this) conn.close(null, code, reason);
  }

  /** Drops every connection of this server that is still there. */
  destroyConnections(): void {
    for (const conn of [...this.host.connections.values()]) if (conn.server === this) conn.destroy();
    for (const socket of this.fresh) socket.destroy();
  }

  // ---- accepting ----------------------------------------------------------------------------------------

  /** A connection beyond maxConnections: onError(CONNECTION_LIMIT) and onClose, the socket answered and ended. */
  private full(socket: Socket): boolean {
    const max = this.settings.maxConnections;
    if (this.host.connections.size < max) return false;
    ServerCounters.refused++;
    const conn = new TcpConnection(this, socket, 'closed'); // reads the peer's address: before the end
    if (this.stream !== null) socket.destroy();
    else answerAndEnd(socket, 503, 'too many connections');
    conn._refuse(
      fault(
        ConnectionError.CONNECTION_LIMIT,
        conn.remoteAddress,
        `${max} connections open (maxConnections ${max})`,
      ),
    );
    return true;
  }

  private acceptStream(socket: Socket): void {
    if (this.full(socket)) return;
    const conn = new TcpConnection(this, socket, 'open');
    const shared = this.stream as LinkConfig;
    const cfg: LinkConfig = { ...shared, target: { ...shared.target, where: conn.remoteAddress } };
    conn._attach(acceptStreamLink(conn, cfg, socket));
    conn._watchIdle(socket);
    if (this.stopping) conn.close(null, 1001); // accepted just before the stop: a clean FIN
  }

  private acceptHttp(socket: Tagged): void {
    if (this.full(socket)) return;
    const conn = new TcpConnection(this, socket, 'open');
    const link = new HttpLink(conn, socket, this.settings.maxPackageSize, this.settings.closeTimeout * 1000);
    socket[CONN] = conn;
    socket[HTTP] = link;
    conn._attach(link);
    if (this.stopping) conn.close(null, 1001); // its first request is still answered (Connection: close)
  }

  private request(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket as Tagged;
    const link = socket[HTTP];
    if (link === undefined || socket[CONN]?.state === 'closed') {
      res.writeHead(503, { connection: 'close' }).end();
      return;
    }
    link.request(req, res);
  }

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    this.fresh.delete(socket);
    if (this.full(socket)) return;
    upgrade(this, this.webSocketServer(), req, socket, head);
  }

  /** A request head node:http could not parse (or that timed out): onError, then a 400/408/431 answer. */
  private clientError(err: NodeJS.ErrnoException, socket: Tagged): void {
    if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
    const status =
      err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const where = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const f: ConnectionFault =
      status === 408
        ? fault(
            ConnectionError.HANDSHAKE_TIMEOUT,
            where,
            `request head not complete within ${this.settings.handshakeTimeout} s`,
          )
        : fault(
            ConnectionError.PROTOCOL_ERROR,
            where,
            `bad HTTP request: ${err.message} (${err.code ?? '?'})`,
          );
    answerAndEnd(socket, status);
    const conn = socket[CONN];
    if (conn !== undefined) conn._linkFault(null as never, f);
    else new TcpConnection(this, socket, 'closed')._refuse(f);
  }

  private webSocketServer(): WebSocketServer {
    if (this.wss !== null) return this.wss;
    const { WebSocketServer: Wss } = requireCjs('ws') as typeof import('ws');
    const s = this.settings;
    this.wss = new Wss({
      noServer: true,
      clientTracking: false, // the Worker's `connections` is the list
      maxPayload: s.maxPackageSize,
      perMessageDeflate: s.perMessageDeflate,
      skipUTF8Validation: s.skipUTF8Validation,
      closeTimeout: s.closeTimeout * 1000,
    } as import('ws').ServerOptions);
    return this.wss;
  }
}
