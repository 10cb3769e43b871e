// The listening side of a Worker definition: its options with their defaults, and the checks that make a
// bad one fail `start` at once (in the master, before any process is forked) with a sentence naming it.
import { ConfigError } from '../shared/config-error.js';
import type { IncomingMessage } from 'node:http';
import { Ws } from '../connection/protocol/ws.js';
import { CALLBACKS } from '../connection/settings.js';
import { nodeHasReusePort, parseListenAddress, type ListenAddress } from '../connection/server/address.js';
import type { TcpConnection } from '../connection/server/TcpConnection.js';
import type { PerMessageDeflateOptions, ServerMessage, ServerSettings } from '../connection/server/types.js';

/** Options of a listening Worker (`new Worker('websocket://0.0.0.0:2346', options)`); each is also a property. */
export interface ListenOptions {
  /** The listen address, e.g. `'websocket://0.0.0.0:2346'`; `''` (default) = no server. */
  listen?: string;
  /** Each process binds its own socket with SO_REUSEPORT (Node 22.12+/23.1+, Linux). Default false: the port is shared through node:cluster, round-robin. */
  reusePort?: boolean;
  /** Open connections per worker process; the next one is refused (onError CONNECTION_LIMIT). Default 10000. */
  maxConnections?: number;
  /** Largest inbound websocket message (ws `maxPayload`), text line, frame package, HTTP body. Default 1 MiB. */
  maxPackageSize?: number;
  /** Bound of each connection's send buffer. Default 1 MiB. */
  maxSendBufferSize?: number;
  /** websocket://: permessage-deflate (`ws`'s option). Default false. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions;
  /** websocket://: frames send() writes: Ws.BINARY_TYPE_BLOB (text, default) or Ws.BINARY_TYPE_ARRAYBUFFER. */
  websocketType?: string;
  /** websocket://: skip the UTF-8 check of inbound text frames. Default false. */
  skipUTF8Validation?: boolean;
  /** websocket://, http://: seconds for the request head to arrive. Default 10. */
  handshakeTimeout?: number;
  /** Seconds a graceful close waits for the peer. Default 2. */
  closeTimeout?: number;
  /** Seconds without inbound data after which a connection is dropped (onError IDLE_TIMEOUT); 0 = off (default). */
  idleTimeout?: number;
  onConnect?: ((conn: TcpConnection) => unknown) | null;
  onWebSocketConnect?: ((conn: TcpConnection, request: IncomingMessage) => unknown) | null;
  onMessage?: ((conn: TcpConnection, data: ServerMessage) => unknown) | null;
  onClose?: ((conn: TcpConnection) => unknown) | null;
  onError?: ((conn: TcpConnection, code: number, message: string) => unknown) | null;
  onBufferFull?: ((conn: TcpConnection) => unknown) | null;
  onBufferDrain?: ((conn: TcpConnection) => unknown) | null;
}

/** The defaults (docs/servers.md lists each with its reason). */
export const LISTEN_DEFAULTS = {
  listen: '',
  reusePort: false,
  maxConnections: 10_000,
  maxPackageSize: 1024 * 1024,
  maxSendBufferSize: 1024 * 1024,
  perMessageDeflate: false as boolean | PerMessageDeflateOptions,
  websocketType: Ws.BINARY_TYPE_BLOB as string,
  skipUTF8Validation: false,
  handshakeTimeout: 10,
  closeTimeout: 2,
  idleTimeout: 0,
};

type Listening = Required<Omit<ListenOptions, (typeof CALLBACKS)[number]>> & { name: string };

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * The listen address of `w` checked with every listen option, or null when it does not listen.
 * @throws TypeError naming the Worker, the option and the value.
 */
export function checkListenOptions(w: Listening & Record<string, unknown>): ListenAddress | null {
  const who = `Worker "${w.name}"`;
  for (const key of CALLBACKS) {
    const v = w[key];
    if (v !== null && v !== undefined && typeof v !== 'function')
      throw new ConfigError(`${who}: ${key} must be a function or null, got ${show(v)}`);
  }
  if (w.listen === '' || w.listen === undefined || w.listen === null) return null;
  let address: ListenAddress;
  try {
    address = parseListenAddress(w.listen);
  } catch (err) {
    throw new ConfigError(`${who}: ${(err as Error).message.replace(/^Worker: /, '')}`);
  }
  if (typeof w.reusePort !== 'boolean')
    throw new ConfigError(`${who}: reusePort must be true or false, got ${show(w.reusePort)}`);
  if (w.reusePort && !nodeHasReusePort()) {
    throw new ConfigError(
      `${who}: reusePort needs Node.js 22.12+ or 23.1+ (listen's reusePort option); this is Node.js ${process.versions.node}. Without it the port is shared through node:cluster (round-robin).`,
    );
  }
  if (w.reusePort && !['linux', 'freebsd'].includes(process.platform)) {
    throw new ConfigError(
      `${who}: reusePort (SO_REUSEPORT load balancing) is not available on ${process.platform}`,
    );
  }
  for (const key of ['maxConnections', 'maxPackageSize', 'maxSendBufferSize'] as const) {
    const v: unknown = w[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0)
      throw new ConfigError(`${who}: ${key} must be a whole number > 0, got ${show(v)}`);
  }
  for (const key of ['handshakeTimeout', 'closeTimeout', 'idleTimeout'] as const) {
    const v: unknown = w[key];
    if (typeof v !== 'number' || !(v >= 0) || v === Infinity)
      throw new ConfigError(`${who}: ${key} must be a number of seconds >= 0, got ${show(v)}`);
  }
  if (w.websocketType !== Ws.BINARY_TYPE_BLOB && w.websocketType !== Ws.BINARY_TYPE_ARRAYBUFFER)
    throw new ConfigError(
      `${who}: websocketType must be Ws.BINARY_TYPE_BLOB or Ws.BINARY_TYPE_ARRAYBUFFER, got ${show(w.websocketType)}`,
    );
  const pmd: unknown = w.perMessageDeflate;
  if (typeof pmd !== 'boolean' && (typeof pmd !== 'object' || pmd === null))
    throw new ConfigError(
      `${who}: perMessageDeflate must be true, false or ws's options object, got ${show(pmd)}`,
    );
  if (typeof w.skipUTF8Validation !== 'boolean')
    throw new ConfigError(
      `${who}: skipUTF8Validation must be true or false, got ${show(w.skipUTF8Validation)}`,
    );
  return address;
}

/** The server settings of a (checked) listening Worker. */
export function serverSettings(w: Listening): ServerSettings {
  return {
    maxConnections: w.maxConnections,
    maxPackageSize: w.maxPackageSize,
    maxSendBufferSize: w.maxSendBufferSize,
    perMessageDeflate: w.perMessageDeflate,
    websocketType: w.websocketType,
    skipUTF8Validation: w.skipUTF8Validation,
    handshakeTimeout: w.handshakeTimeout,
    closeTimeout: w.closeTimeout,
    idleTimeout: w.idleTimeout,
  };
}
