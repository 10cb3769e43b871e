// Listen addresses: `websocket://0.0.0.0:2346`, `http://`, `tcp://`, `text://`, `frame://` or a registered
// protocol's name. Parsed once, in the master and in every worker, with errors a person understands.
import { ConfigError } from '../../shared/config-error.js';
import { knownSchemes } from '../protocol/Protocol.js';

/** A parsed listen address. */
export interface ListenAddress {
  /** `websocket`, `http`, `tcp`, `text`, `frame` or a registered protocol. */
  scheme: string;
  /** Host or IP to bind, IPv6 without brackets. */
  host: string;
  /** 0..65535 (0 = the OS picks one; every worker of the Worker then shares it). */
  port: number;
  /** `websocket://127.0.0.1:2346`, as shown in status and messages. */
  display: string;
}

/** Every scheme a listen address may use right now. */
export function listenSchemes(): string[] {
  return [
    'websocket',
    'http',
    'tcp',
    ...knownSchemes().filter((s) => !['ws', 'wss', 'tls', 'ssl', 'tcp'].includes(s)),
  ];
}

/**
 * Parses `listen` (e.g. `'websocket://0.0.0.0:2346'`).
 * @throws TypeError naming the mistake: `ws://` (a client scheme), an unknown scheme, a missing port.
 */
export function parseListenAddress(listen: string): ListenAddress {
  if (typeof listen !== 'string' || listen === '') {
    throw new ConfigError(
      'Worker: the listen address must be a string such as "websocket://0.0.0.0:2346" or "tcp://127.0.0.1:8080"',
    );
  }
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/(\[[^\]]+\]|[^/:?#]*)(?::(\d+))?\/?$/.exec(listen);
  if (!m) {
    throw new ConfigError(
      `Worker: malformed listen address "${listen}" (expected scheme://host:port, e.g. "websocket://0.0.0.0:2346")`,
    );
  }
  const scheme = m[1]!.toLowerCase();
  const hostPart = m[2]!;
  if (scheme === 'ws' || scheme === 'wss') {
    throw new ConfigError(
      `Worker: "${listen}": ${scheme}:// is a client scheme (for new AsyncTcpConnection(url)); a websocket server listens on websocket://${hostPart}${m[3] ? `:${m[3]}` : ''}` +
        (scheme === 'wss' ? ' (TLS servers are not supported: put a TLS proxy such as nginx in front)' : ''),
    );
  }
  const schemes = listenSchemes();
  if (!schemes.includes(scheme)) {
    const tls = scheme === 'ssl' || scheme === 'tls' || scheme === 'https';
    throw new ConfigError(
      `Worker: unknown listen scheme "${scheme}://" in "${listen}"; expected one of ${schemes.map((s) => s + '://').join(', ')}` +
        (tls ? ' (TLS servers are not supported: put a TLS proxy such as nginx in front)' : ''),
    );
  }
  const host = hostPart.startsWith('[') ? hostPart.slice(1, -1) : hostPart;
  if (host === '') throw new ConfigError(`Worker: no host in listen address "${listen}" (e.g. 0.0.0.0)`);
  if (m[3] === undefined) {
    throw new ConfigError(
      `Worker: listen address "${listen}" needs a port (e.g. ${scheme}://${hostPart}:2346)`,
    );
  }
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(`Worker: port ${port} out of range (0-65535) in "${listen}"`);
  return { scheme, host, port, display: `${scheme}://${hostPart}:${port}` };
}

/** True where Node has `listen({ reusePort })` (22.12+, 23.1+). */
export function nodeHasReusePort(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}
