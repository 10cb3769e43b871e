import { ConfigError } from '../../shared/config-error.js';
import { textProtocol } from './text.js';
import { frameProtocol } from './frame.js';

// The framing contract for stream protocols (Workerman's ProtocolInterface) and the registry of named protocols.

/**
 * A stream protocol, as in Workerman: `input` finds the length of the next package in the receive buffer,
 * `decode` turns one complete package into the message given to `onMessage`, `encode` turns what `send()` got
 * into bytes. `conn` is the connection (for protocols that keep per-connection state).
 */
export interface Protocol<In = unknown, Out = unknown, C = unknown> {
  /** 0 = need more bytes; n > 0 = the next package is n bytes long (it may not all be there yet); anything else = protocol error. */
  input(buffer: Buffer, conn: C): number;
  /** Decodes exactly one package (`buffer.length` = what `input` returned). */
  decode(buffer: Buffer, conn: C): In;
  /** Encodes one outgoing message. */
  encode(data: Out, conn: C): Buffer | string;
}

/**
 * @internal Offset-based framing that the built-in protocols also provide, so that the stream splitter can
 * walk a read chunk without making a Buffer view per package (the `input`/`decode` contract needs two).
 */
export interface ScanningProtocol {
  /** `input` for the package that starts at `start`. */
  inputAt(buffer: Buffer, start: number): number;
  /** `decode` of the package `buffer[start, end)`. */
  decodeAt(buffer: Buffer, start: number, end: number): unknown;
  /**
   * Packages end at a delimiter (text://): a leftover is completed by the bytes up to the first package
   * end in the next read, so only those are copied, not the whole read.
   */
  delimited?: boolean;
}

/** @internal The offset-based form of `protocol` if it is one of the built-in ones, else null. */
export function scanning(protocol: Protocol): ScanningProtocol | null {
  return protocol === (textProtocol as Protocol) || protocol === (frameProtocol as Protocol)
    ? (protocol as unknown as ScanningProtocol)
    : null;
}

/** Schemes handled by the layer itself; they cannot be registered. */
export const BUILTIN_SCHEMES = ['ws', 'wss', 'tcp', 'tls', 'ssl', 'text', 'frame'] as const;

const registry = new Map<string, Protocol>([
  ['text', textProtocol],
  ['frame', frameProtocol],
]);

/** Registers `protocol` under scheme `name` (`name://host:port`). @throws TypeError for a bad or reserved name. */
export function registerProtocol(name: string, protocol: Protocol): void {
  if (!/^[a-z][a-z0-9+.-]*$/.test(name))
    throw new ConfigError(
      `registerProtocol: "${name}" is not a valid scheme name (lower case letters, digits, + . -)`,
    );
  if ([...BUILTIN_SCHEMES, 'websocket', 'http', 'https'].includes(name))
    throw new ConfigError(`registerProtocol: "${name}" is built in and cannot be replaced`);
  if (
    typeof protocol?.input !== 'function' ||
    typeof protocol.decode !== 'function' ||
    typeof protocol.encode !== 'function'
  ) {
    throw new ConfigError(
      `registerProtocol: "${name}" must have input(buffer, conn), decode(buffer, conn) and encode(data, conn) functions`,
    );
  }
  registry.set(name, protocol);
}

/** The protocol registered under `name`, if any. */
export function getProtocol(name: string): Protocol | undefined {
  return registry.get(name);
}

/** Every scheme a URL may use right now. */
export function knownSchemes(): string[] {
  return [...new Set<string>([...BUILTIN_SCHEMES, ...registry.keys()])];
}
