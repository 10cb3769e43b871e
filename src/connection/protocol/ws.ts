// ws:// and wss:// on the `ws` package: our handshake (ws-handshake.ts) on our socket (transport/socket.ts),
// then frames, ping and close are all `ws`'s; this file maps its events onto the facade (LinkOwner) and its
// errors onto our stable codes. A received message: `ws` -> onWsMessage here -> linked.ts _linkMessage.
import type { Socket } from 'node:net';
import { createRequire } from 'node:module';
import type { WebSocket, ClientOptions } from 'ws';
import type { ConnectionFault } from '../errors.js';
import { classify } from './ws-faults.js';
import { newKey, readAnswer, requestHead } from './ws-handshake.js';
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

/** One websocket attempt: our handshake on our socket (ws-handshake.ts), then `ws` on that socket. */
class WsLink implements Link {
  /** Created once the 101 is checked. */
  private ws: LinkedWs | null = null;
  /** The first socket opened (the proxy tunnel while it is being set up), destroyed with the link. */
  private raw: Socket | null = null;
  /** The socket `ws` runs on (TLS socket for wss). */
  private socket: Socket | null = null;
  private phase: 'connect' | 'handshake' | 'open' = 'connect';
  private ending = false;
  private drainWatched = false;
  /** Until the answer is read: the key sent, the request, and what has arrived of the answer. */
  private hs: Handshake | null;
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
    loadWs(); // before the socket: the first attempt's load of `ws` is not counted against its handshake
    const key = newKey();
    this.hs = {
      key,
      request: requestHead(cfg.target, cfg.url, cfg.headers, key),
      got: null,
      skipUTF8Validation: cfg.skipUTF8Validation,
      closeTimeoutMs: cfg.closeTimeoutMs,
      onData: (chunk) => this.answer(chunk),
      onError: (err) => this.error(err),
      onClose: () => this.handshakeClosed(),
    };
    this.raw = openSocket(
      cfg.target,
      cfg.tls,
      cfg.proxy,
      (s) => this.connected(s),
      (err, s) => {
        if (err !== null) return this.fault(err);
        this.socket = s;
        const hs = this.hs as Handshake;
        s.on('data', hs.onData);
        s.on('error', hs.onError);
        s.on('close', hs.onClose);
      },
      true,
    );
  }

  private connected(s: Socket): void {
    if (this.phase !== 'connect' || this.hs === null) return;
    this.phase = 'handshake';
    s.write(this.hs.request);
    this.owner._linkConnected(this, s);
  }

  /** Bytes of the answer. */
  private answer(chunk: Buffer): void {
    const hs = this.hs;
    if (hs === null || this.ending) return;
    const got = hs.got === null ? chunk : Buffer.concat([hs.got, chunk]);
    const r = readAnswer(got, hs.key, this.where);
    if (r === null) {
      hs.got = got;
      return;
    }
    if ('code' in r) return this.fault(r);
    this.upgrade(r.response, r.head);
  }

  /** The 101 is fine: `ws` takes the socket over, as its own client does after node:http's upgrade. */
  private upgrade(response: HandshakeResponse, head: Buffer): void {
    const s = this.socket as Socket;
    const hs = this.hs as Handshake;
    this.hs = null;
    s.off('data', hs.onData);
    s.off('error', hs.onError);
    s.off('close', hs.onClose);
    // Made with address null (`ws`'s server side), then marked a client: masks what it sends, refuses
    // masked frames. The options are `ws`'s client defaults (test/connection/private-fields.test.ts).
    const ws = new (loadWs())(null as unknown as string, undefined, {
      autoPong: true,
      maxPendingAutoPongs: 60,
      closeTimeout: hs.closeTimeoutMs,
    } as ClientOptions) as LinkedWs & WsInternals;
    ws._isServer = false;
    ws[LINK] = this;
    ws.on('message', onWsMessage);
    ws.on('error', onWsError);
    ws.on('close', onWsClose);
    this.ws = ws;
    this.phase = 'open';
    ws.setSocket(s, head, {
      allowSynchronousEvents: true,
      maxBufferedChunks: 256 * 1024,
      maxFragments: 16 * 1024,
      maxPayload: this.maxPackageSize,
      skipUTF8Validation: hs.skipUTF8Validation,
    });
    this.owner._linkOpen(this, response);
  }

  /** @internal From the shared `ws` error listener and the handshake's socket error listener. */
  error(err: Error & { code?: string }): void {
    if (this.ending) return;
    const f = classify(err, this.phase, this.where, this.maxPackageSize);
    if (f !== null) this.fault(f);
  }

  /** The socket went away before the 101 was read (its close listener, or destroy()). */
  private handshakeClosed(): void {
    if (this.hs === null) return;
    this.hs = null;
    if (!this.ending) {
      this.ending = true;
      const hangUp = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      this.owner._linkFault(this, classify(hangUp, this.phase, this.where, this.maxPackageSize)!);
    }
    this.raw?.destroy();
    this.owner._linkClosed(this, 1006, '');
  }

  /** Reports the fault and drops the socket at once: a peer that broke the protocol is not waited on. */
  private fault(f: ConnectionFault): void {
    if (this.ending) return;
    this.ending = true;
    this.owner._linkFault(this, f);
    this.destroy();
  }

  write(data: SendData): boolean {
    if (this.ws?.readyState !== OPEN) return false;
    this.ws.send(data, this.opts);
    return true;
  }

  bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  watchDrain(): void {
    if (this.drainWatched || this.socket === null) return;
    this.drainWatched = true;
    this.socket.on('drain', () => this.owner._linkDrain(this));
  }

  watchAlive(): void {
    this.ws?.on('ping', onWsAlive);
    this.ws?.on('pong', onWsAlive);
  }

  ping(): void {
    if (this.ws?.readyState === OPEN) this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.ws === null) return this.destroy();
    this.ending = true;
    this.ws.close(code, reason);
  }

  destroy(): void {
    this.ending = true;
    if (this.ws !== null) {
      this.ws.terminate();
      this.raw?.destroy();
      return;
    }
    // Before the 101 the socket's close listener reports the end; without that socket (no tunnel yet, a
    // proxy that refused, or already closed) it is reported on the next tick. handshakeClosed() runs once.
    const listening = this.socket !== null && !this.socket.destroyed;
    this.raw?.destroy();
    this.socket?.destroy();
    if (!listening) process.nextTick(() => this.handshakeClosed());
  }
}

/** `ws` members used by the handover (`setSocket` is what `ws`'s own server and client call). */
interface WsInternals {
  _isServer: boolean;
  setSocket(socket: Socket, head: Buffer, options: Record<string, unknown>): void;
}

/**
 * One attempt's state until the 101: its listeners are closures (not shared functions that find the link
 * through a property on the socket): they go with the handshake and leave the socket's shape as it was.
 */
interface Handshake {
  key: string;
  request: string;
  got: Buffer | null;
  /** For `ws`, at the handover. */
  skipUTF8Validation: boolean;
  closeTimeoutMs: number;
  onData: (chunk: Buffer) => void;
  onError: (err: Error & { code?: string }) => void;
  onClose: () => void;
}

/** Opens a ws/wss attempt for `owner`. */
export function openWsLink(owner: LinkOwner, cfg: LinkConfig): Link {
  return new WsLink(owner, cfg);
}
