// ws:// and wss:// on the `ws` package: the handshake, frames, ping and close are all `ws`'s; this file maps
// its events onto the facade (LinkOwner) and its errors onto our stable codes.
import type { Socket } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { WebSocket, ClientOptions } from 'ws';
import { ConnectionError, connectFault, fault, type ConnectionFault } from '../errors.js';
import type { HandshakeResponse, Link, LinkConfig, LinkOwner, SendData } from '../link.js';
import { openSocket } from '../transport/socket.js';

/** Workerman's `Ws` constants: which frame type `send()` produces. */
export const Ws = {
  /** Send text frames (default). Workerman's value "\x81". */
  BINARY_TYPE_BLOB: '\x81',
  /** Send binary frames. Workerman's value "\x82". */
  BINARY_TYPE_ARRAYBUFFER: '\x82',
} as const;

/**
 * `ws` (and the node:http, tls, zlib and crypto it pulls in) costs ~60 ms of start-up, paid by every worker
 * and CLI process that loads the package. It is loaded on the first ws:// or wss:// attempt instead,
 * synchronously (connect() stays synchronous), so a process without a websocket never pays it.
 */
const requireCjs = createRequire(import.meta.url);
let WebSocketClass: typeof WebSocket | null = null;
function loadWs(): typeof WebSocket {
  return (WebSocketClass ??= (requireCjs('ws') as { WebSocket: typeof WebSocket }).WebSocket);
}

/** `WebSocket.OPEN`, without touching the class. */
const OPEN = 1;

const TEXT = { binary: false };
const BINARY = { binary: true };

/** Builds the `onWebSocketConnect` response from the 101 answer. */
function toResponse(res: IncomingMessage): HandshakeResponse {
  const raw = res.rawHeaders;
  return {
    statusCode: res.statusCode ?? 101,
    statusMessage: res.statusMessage ?? '',
    httpVersion: res.httpVersion,
    headers: res.headers,
    toString() {
      let s = `HTTP/${this.httpVersion} ${this.statusCode} ${this.statusMessage}\r\n`;
      for (let i = 0; i + 1 < raw.length; i += 2) s += `${raw[i]}: ${raw[i + 1]}\r\n`;
      return s + '\r\n';
    },
  };
}

/** Maps an error `ws` emitted onto a fault; null when it is only the echo of a close we asked for. */
function classify(err: Error & { code?: string }, phase: 'connect' | 'handshake' | 'open', where: string, maxPackageSize: number): ConnectionFault | null {
  const rejected = /^Unexpected server response: (\d+)/.exec(err.message);
  if (rejected) {
    const status = Number(rejected[1]);
    const { STATUS_CODES } = requireCjs('node:http') as typeof import('node:http'); // loaded by `ws` already
    return fault(ConnectionError.HANDSHAKE_REJECTED, where, `server answered HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd());
  }
  if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return fault(ConnectionError.PACKAGE_TOO_LARGE, where, `${err.message} (maxPackageSize ${maxPackageSize} bytes)`);
  if (typeof err.code === 'string' && err.code.startsWith('WS_ERR_')) return fault(ConnectionError.PROTOCOL_ERROR, where, `${err.message} (${err.code})`);
  if (phase === 'connect') return connectFault(err, where);
  if (phase === 'handshake') {
    if (/Invalid|Server sent|subprotocol|extension/i.test(err.message)) return fault(ConnectionError.PROTOCOL_ERROR, where, `bad handshake answer: ${err.message}`);
    const f = connectFault(err, where);
    return f.code === ConnectionError.CONNECT_FAIL ? fault(ConnectionError.CONNECT_FAIL, where, `closed during the websocket handshake (${(err.code ?? err.message)})`) : f;
  }
  return null; // socket errors after open end in a plain close (1006), as in Workerman
}

/** One websocket attempt. */
class WsLink implements Link {
  private readonly ws: WebSocket;
  /** The first socket opened (the proxy tunnel while it is being set up), destroyed with the link. */
  private raw: Socket | null = null;
  private phase: 'connect' | 'handshake' | 'open' = 'connect';
  private ending = false;
  private response: HandshakeResponse | null = null;
  private readonly opts: { binary: boolean };
  /**
   * The socket's drain listener. A field, not a closure made inside createConnection: that closure's scope
   * holds the http ClientRequest's callback, which would keep the request, the 101 response and its header
   * strings alive for the whole life of the connection (~2 KiB each).
   */
  private readonly onDrain = (): void => this.owner._linkDrain(this);

  constructor(private readonly owner: LinkOwner, cfg: LinkConfig) {
    this.opts = cfg.binary ? BINARY : TEXT;
    const { target } = cfg;
    // `closeTimeout` (ws >= 8.18) bounds our own graceful close; @types/ws does not know it yet.
    const options: ClientOptions & { closeTimeout: number } = {
      headers: cfg.headers,
      perMessageDeflate: false,
      maxPayload: cfg.maxPackageSize,
      followRedirects: false,
      closeTimeout: cfg.closeTimeoutMs,
      createConnection: ((_opts: unknown, cb: (err: Error | null, s?: Socket) => void) => {
        this.raw = openSocket(target, cfg.tls, cfg.proxy, (s) => this.connected(s), (err, s) => {
          if (err !== null) {
            this.fault(err);
            cb(new Error(err.message));
            return;
          }
          s.on('drain', this.onDrain);
          cb(null, s);
        });
        return undefined;
      }) as never,
    };
    this.ws = new (loadWs())(cfg.url, options);
    this.ws.on('upgrade', (res) => { this.response = toResponse(res); });
    this.ws.on('open', () => {
      this.phase = 'open';
      const response = this.response;
      this.response = null; // handed to onWebSocketConnect; not kept for the life of the connection
      this.owner._linkOpen(this, response);
    });
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.owner._linkMessage(isBinary ? data : data.toString());
    });
    this.ws.on('ping', () => this.owner._linkAlive());
    this.ws.on('pong', () => this.owner._linkAlive());
    this.ws.on('error', (err: Error & { code?: string }) => {
      if (this.ending) return;
      const f = classify(err, this.phase, target.where, cfg.maxPackageSize);
      if (f !== null) this.fault(f);
    });
    this.ws.on('close', (code: number, reason: Buffer) => {
      this.owner._linkClosed(this, code, reason.toString());
    });
  }

  private connected(s: Socket): void {
    if (this.phase !== 'connect') return;
    this.phase = 'handshake';
    this.owner._linkConnected(this, s);
  }

  /** Reports the fault and drops the socket at once: a peer that broke the protocol is not waited on. */
  private fault(f: ConnectionFault): void {
    if (this.ending) return;
    this.ending = true;
    this.owner._linkFault(this, f);
    this.ws.terminate();
  }

  write(data: SendData): boolean {
    if (this.ws.readyState !== OPEN) return false;
    this.ws.send(data, this.opts);
    return true;
  }

  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  ping(): void {
    if (this.ws.readyState === OPEN) this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.phase !== 'open') return this.destroy();
    this.ending = true;
    this.ws.close(code, reason);
  }

  destroy(): void {
    this.ending = true;
    this.ws.terminate();
    this.raw?.destroy();
  }
}

/** Opens a ws/wss attempt for `owner`. */
export function openWsLink(owner: LinkOwner, cfg: LinkConfig): Link {
  return new WsLink(owner, cfg);
}
