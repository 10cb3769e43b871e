// What a user sets on a connection: options with their defaults and the callbacks. The behaviour lives in
// AsyncTcpConnection, which extends this class. Times are in seconds. Checked by settings-check.ts.
import { rememberHeaderSecrets } from './secrets.js';
import { EventEmitter } from 'node:events';
import type { ReconnectPolicy } from './backoff.js';
import type { HandshakeResponse } from './link.js';
import { Ws } from './protocol/ws.js';
import type { TlsOptions } from './types.js';
import { checkHeaders } from './url.js';

/**
 * A callback property type. Declared through a method so that parameters are compared bivariantly: an
 * `AsyncTcpConnection<string>` is then usable where an `AsyncTcpConnection<unknown>` is expected (the registry).
 */
export type Callback<A extends unknown[]> = { bivarianceHack(...args: A): void }['bivarianceHack'];

const NONE: Record<string, never> = Object.freeze({});

/** Options and callbacks of a connection (see docs/connections.md for each one). */
export class ConnectionSettings<M> extends EventEmitter {
  // Options and callbacks are declared here and their defaults live on the prototype (below the class):
  // a connection holds own properties only for what was set, which keeps ~20 fields (~160 B) out of
  // every connection object. Reading one is a prototype load at most.
  /** ws/wss: send a ping frame every N seconds after the handshake; 0 = off. Default 0. */
  declare websocketPingInterval: number;
  /** `Ws.BINARY_TYPE_BLOB` (text frames, default) or `Ws.BINARY_TYPE_ARRAYBUFFER` (binary frames). */
  declare websocketType: string;
  /** Bound of the queue while not open and of the socket buffer while open. Default 1 MiB. */
  declare maxSendBufferSize: number;
  /** Largest inbound websocket message or protocol package. Default 10 MiB. */
  declare maxPackageSize: number;
  /** ws/wss: skip the UTF-8 check of inbound text frames (trusted feeds). Default false. */
  declare skipUTF8Validation: boolean;
  /** TCP + proxy + TLS must be up within N seconds. Default 10; 0 = no limit. */
  declare connectTimeout: number;
  /** ws/wss: the 101 answer must come within N seconds of TCP connect. Default 10; 0 = no limit. */
  declare handshakeTimeout: number;
  /** After a ping, something (pong or data) must arrive within N seconds. Default 10. */
  declare pongTimeout: number;
  /** Close when nothing arrives for N seconds; 0 = off (default). */
  declare idleTimeout: number;
  /** A graceful close waits at most N seconds for the peer. Default 2. */
  declare closeTimeout: number;
  /** Automatic reconnect policy; `true` = defaults; `null` or `false` = off (default, as in Workerman). */
  declare reconnect: ReconnectPolicy | boolean | null;
  /** HTTP CONNECT proxy URL; `false` = never; unset = HTTPS_PROXY/HTTP_PROXY/NO_PROXY for ws/wss. */
  declare proxy: string | false | undefined;
  /** Stream protocols only: `'tls'` runs text/frame/user protocols over TLS. Default `'tcp'`. */
  declare transport: 'tcp' | 'tls';

  /** TCP (and TLS) is up; for ws/wss before the handshake. */
  declare onConnect: Callback<[conn: this]> | null;
  /** ws/wss handshake done; `response` renders as the HTTP answer with `String(response)`. */
  declare onWebSocketConnect: Callback<[conn: this, response: HandshakeResponse]> | null;
  /** One inbound message. */
  declare onMessage: Callback<[conn: this, data: M]> | null;
  /** The socket is gone; `conn.closeCode`/`conn.closeReason` say why. */
  declare onClose: Callback<[conn: this]> | null;
  /** A failure with a stable code (see ConnectionError); followed by onClose except for SEND_FAIL. */
  declare onError: Callback<[conn: this, code: number, message: string]> | null;
  /** The send queue or socket buffer reached `maxSendBufferSize`. */
  declare onBufferFull: Callback<[conn: this]> | null;
  /** After onBufferFull: the buffer emptied. */
  declare onBufferDrain: Callback<[conn: this]> | null;

  // `headers` and `tls` are created on first read: most connections never set them, and an empty object
  // each is ~50 B per connection (null on the prototype until set). Internally read through
  // `headersOrNone`/`tlsOrNone` (never creates one).
  declare private _headers: Record<string, string> | null;
  declare private _tls: TlsOptions | null;
  /**
   * @internal True while a `message` event listener is registered: the per-message path reads this field
   * instead of asking the EventEmitter (`listenerCount` per message cost about half of our 64 B overhead).
   * Kept up to date by the listener methods below, so it needs no per-connection `newListener` listener.
   */
  protected hasMessageListeners = false;

  constructor() {
    super();
    // Node's EventEmitter creates its listener table (~160 B, a dictionary) in its constructor; all of its
    // methods also accept none and create it with the first listener. Most connections use callbacks only.
    (this as unknown as { _events: unknown })._events = undefined;
  }

  /** Extra headers for the websocket upgrade request. @throws ConfigError (a TypeError) on CR/LF/NUL (header injection). */
  get headers(): Record<string, string> {
    return (this._headers ??= {});
  }
  set headers(h: Record<string, string>) {
    checkHeaders(h);
    rememberHeaderSecrets(h);
    this._headers = h;
  }

  /** TLS options for wss/tls/ssl (`ca`, `cert`, `key`, `rejectUnauthorized`, `servername`, ...). */
  get tls(): TlsOptions {
    return (this._tls ??= {});
  }
  set tls(t: TlsOptions) {
    this._tls = t;
  }

  /** @internal The headers without creating an object. */
  protected get headersOrNone(): Record<string, string> {
    return this._headers ?? NONE;
  }
  /** @internal The TLS options without creating an object. */
  protected get tlsOrNone(): TlsOptions {
    return this._tls ?? NONE;
  }
}

/** The connection callbacks, the same names on a client connection and on a listening Worker. */
export const CALLBACKS = [
  'onConnect',
  'onWebSocketConnect',
  'onMessage',
  'onClose',
  'onError',
  'onBufferFull',
  'onBufferDrain',
] as const;

/** Every callback unset: the prototype defaults of a connection, client or accepted. */
export const NO_CALLBACKS: Record<(typeof CALLBACKS)[number], null> = Object.fromEntries(
  CALLBACKS.map((name) => [name, null]),
) as Record<(typeof CALLBACKS)[number], null>;

/** The defaults of the options and callbacks declared in ConnectionSettings (see docs/connections.md). */
Object.assign(ConnectionSettings.prototype, {
  websocketPingInterval: 0,
  websocketType: Ws.BINARY_TYPE_BLOB,
  maxSendBufferSize: 1024 * 1024,
  maxPackageSize: 10 * 1024 * 1024,
  skipUTF8Validation: false,
  connectTimeout: 10,
  handshakeTimeout: 10,
  pongTimeout: 10,
  idleTimeout: 0,
  closeTimeout: 2,
  reconnect: null,
  proxy: undefined,
  transport: 'tcp',
  ...NO_CALLBACKS,
  _headers: null,
  _tls: null,
});

/**
 * The EventEmitter methods that add or remove listeners (`once`/`prependOnceListener` go through `on`/
 * `prependListener`, a once-wrapper removes itself through `removeListener`), wrapped to refresh
 * `hasMessageListeners`. Patched on the prototype: no per-connection closure or listener.
 */
for (const name of [
  'on',
  'addListener',
  'prependListener',
  'removeListener',
  'off',
  'removeAllListeners',
] as const) {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with .call(this) below
  const base = EventEmitter.prototype[name] as (this: EventEmitter, ...args: unknown[]) => EventEmitter;
  Object.defineProperty(ConnectionSettings.prototype, name, {
    configurable: true,
    writable: true,
    value: function (
      this: ConnectionSettings<unknown> & { hasMessageListeners: boolean },
      ...args: unknown[]
    ): EventEmitter {
      const result = base.apply(this, args);
      this.hasMessageListeners = this.listenerCount('message') !== 0;
      return result;
    },
  });
}
