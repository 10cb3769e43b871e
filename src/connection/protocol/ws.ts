// ws:// and wss:// on the `ws` package: the handshake, frames, ping and close are all `ws`'s; this file maps
// its events onto the facade (LinkOwner) and its errors onto our stable codes.
import { ConfigError } from '../../shared/config-error.js';
import { show } from '../../shared/show.js';
import type { Socket } from 'node:net';
import type { ClientRequest, IncomingMessage } from 'node:http';
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

/** `Not Found` for 404; node:http is required here, not imported, for the same reason as `ws` (loaded by then). */
function statusText(status: number): string {
  return (requireCjs('node:http') as typeof import('node:http')).STATUS_CODES[status] ?? '';
}

/** @internal Maps an error `ws` emitted onto a fault; null when it is only the echo of a close we asked for. */
export function classify(
  err: Error & { code?: string },
  phase: 'connect' | 'handshake' | 'open',
  where: string,
  maxPackageSize: number,
): ConnectionFault | null {
  const rejected = /^Unexpected server response: (\d+)/.exec(err.message);
  if (rejected) {
    const status = Number(rejected[1]);
    return fault(
      ConnectionError.HANDSHAKE_REJECTED,
      where,
      `server answered HTTP ${status} ${statusText(status)}`.trimEnd(),
    );
  }
  if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH')
    return fault(
      ConnectionError.PACKAGE_TOO_LARGE,
      where,
      `${err.message} (maxPackageSize ${maxPackageSize} bytes)`,
    );
  if (typeof err.code === 'string' && err.code.startsWith('WS_ERR_'))
    return fault(ConnectionError.PROTOCOL_ERROR, where, `${err.message} (${err.code})`);
  if (phase === 'connect') return connectFault(err, where);
  if (phase === 'handshake') {
    if (/Invalid|Server sent|subprotocol|extension/i.test(err.message))
      return fault(ConnectionError.PROTOCOL_ERROR, where, `bad handshake answer: ${err.message}`);
    const f = connectFault(err, where);
    return f.code === ConnectionError.CONNECT_FAIL
      ? fault(
          ConnectionError.CONNECT_FAIL,
          where,
          `closed during the websocket handshake (${err.code ?? err.message})`,
        )
      : f;
  }
  return null; // socket errors after open end in a plain close (1006), as in Workerman
}

/** The link a `WebSocket` belongs to: the shared listeners below find their connection through it. */
const LINK = Symbol('workerman.link');
type LinkedWs = WebSocket & { [LINK]: WsLink };

// The `ws` event listeners, shared by every connection (`ws` calls them with `this` = the WebSocket): a
// connection costs no listener closures and no context holding its config for its whole life.
function onWsMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  (this as LinkedWs)[LINK].owner._linkMessage(isBinary ? data : data.toString());
}

function onWsAlive(this: WebSocket): void {
  (this as LinkedWs)[LINK].owner._linkAlive();
}

function onWsError(this: WebSocket, err: Error & { code?: string }): void {
  (this as LinkedWs)[LINK].error(err);
}

function onWsClose(this: WebSocket, code: number, reason: Buffer): void {
  const link = (this as LinkedWs)[LINK];
  link.owner._linkClosed(link, code, reason.toString());
}

/** One websocket attempt. */
class WsLink implements Link {
  private readonly ws: LinkedWs;
  /** The first socket opened (the proxy tunnel while it is being set up), destroyed with the link. */
  private raw: Socket | null = null;
  /** The socket `ws` runs on (TLS socket for wss). */
  private socket: Socket | null = null;
  private phase: 'connect' | 'handshake' | 'open' = 'connect';
  private ending = false;
  private drainWatched = false;
  private readonly opts: { binary: boolean };
  private readonly where: string;
  private readonly maxPackageSize: number;

  constructor(
    readonly owner: LinkOwner,
    cfg: LinkConfig,
  ) {
    this.opts = cfg.binary ? BINARY : TEXT;
    this.where = cfg.target.where;
    this.maxPackageSize = cfg.maxPackageSize;
    this.ws = new (loadWs())(cfg.url, wsOptions(this, cfg)) as LinkedWs;
    this.ws[LINK] = this;
    this.ws.on('message', onWsMessage);
    this.ws.on('error', onWsError);
    this.ws.on('close', onWsClose);
    // The 101 answer and the open: from the attempt's http request, which `ws` drops once upgraded, so
    // that the WebSocket's own listener table stays at three entries (each further event name costs
    // ~100 B per connection). Our listener runs after `ws`'s, which has opened the socket by then.
    const req = (this.ws as unknown as { _req?: ClientRequest | null })._req;
    if (req) {
      req.on('upgrade', (res: IncomingMessage) => this.upgraded(res));
    } else {
      this.watchOpen(); // a `ws` that no longer keeps `_req`
    }
  }

  /** The open through `ws`'s own `upgrade` and `open` events (two more listener names per connection). */
  private watchOpen(): void {
    let response: IncomingMessage | null = null;
    this.ws.once('upgrade', (res: IncomingMessage) => {
      response = res;
    });
    this.ws.once('open', () => {
      if (response !== null) this.upgraded(response);
    });
  }

  /** @internal `ws`'s createConnection: opens our socket (direct, TLS, through a proxy) and hands it over. */
  connectSocket(cfg: LinkConfig, cb: (err: Error | null, s?: Socket) => void): void {
    this.raw = openSocket(
      cfg.target,
      cfg.tls,
      cfg.proxy,
      (s) => this.connected(s),
      (err, s) => {
        if (err !== null) {
          this.fault(err);
          cb(new Error(err.message));
          return;
        }
        this.socket = s;
        cb(null, s);
      },
      true,
    );
  }

  private upgraded(res: IncomingMessage): void {
    if (this.ws.readyState !== OPEN || this.phase === 'open') return;
    this.phase = 'open';
    this.owner._linkOpen(this, toResponse(res));
  }

  private connected(s: Socket): void {
    if (this.phase !== 'connect') return;
    this.phase = 'handshake';
    this.owner._linkConnected(this, s);
  }

  /** @internal From the shared error listener. */
  error(err: Error & { code?: string }): void {
    if (this.ending) return;
    const f = classify(err, this.phase, this.where, this.maxPackageSize);
    if (f !== null) this.fault(f);
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

  watchDrain(): void {
    if (this.drainWatched || this.socket === null) return;
    this.drainWatched = true;
    this.socket.on('drain', () => this.owner._linkDrain(this));
  }

  watchAlive(): void {
    this.ws.on('ping', onWsAlive);
    this.ws.on('pong', onWsAlive);
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

/**
 * The `ws` client options of one attempt. A function of its own so that `createConnection`'s closure holds
 * only the link and the config, and only until the socket is handed over.
 */
function wsOptions(link: WsLink, cfg: LinkConfig): ClientOptions {
  // `closeTimeout` (ws >= 8.18) bounds our own graceful close; @types/ws does not know it yet.
  const options: ClientOptions & { closeTimeout: number } = {
    headers: cfg.headers,
    perMessageDeflate: false,
    maxPayload: cfg.maxPackageSize,
    skipUTF8Validation: cfg.skipUTF8Validation,
    followRedirects: false,
    closeTimeout: cfg.closeTimeoutMs,
    createConnection: ((_opts: unknown, cb: (err: Error | null, s?: Socket) => void) => {
      link.connectSocket(cfg, cb);
      return undefined;
    }) as never,
  };
  return options;
}

/** Opens a ws/wss attempt for `owner`. */
export function openWsLink(owner: LinkOwner, cfg: LinkConfig): Link {
  return new WsLink(owner, cfg);
}

/**
 * The close codes a websocket endpoint may send (RFC 6455 7.4: 1000-1003, 1007-1014, 3000-4999) and a reason
 * of at most 123 bytes; checked before anything changes, with a sentence instead of `ws`'s terse message.
 */
export function checkCloseFrame(code: unknown, reason: unknown): void {
  const allowed =
    typeof code === 'number' &&
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999));
  if (!allowed) {
    throw new ConfigError(
      `AsyncTcpConnection: close(${show(code)}): websocket does not allow sending this close code (use 1000-1003, 1007-1014 or 3000-4999)`,
    );
  }
  if (typeof reason !== 'string' || Buffer.byteLength(reason) > 123) {
    throw new ConfigError(
      `AsyncTcpConnection: close(${code}, reason): the reason must be a string of at most 123 bytes`,
    );
  }
}
