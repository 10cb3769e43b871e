// Parsing, validation and masking of connection URLs and request headers.
import { ConfigError } from '../shared/config-error.js';
import { rememberUrlSecrets } from './secrets.js';

/** What the connection layer needs to know about a URL. */
export interface Target {
  /** Scheme without the colon, lower case: ws, wss, tcp, tls, ssl, text, frame or a registered protocol. */
  scheme: string;
  /** Host name or IP, IPv6 without brackets. */
  host: string;
  port: number;
  /** Path plus query string (ws only), `/` by default. */
  path: string;
  /** True for wss, tls and ssl. */
  secure: boolean;
  /** `host:port` for messages (IPv6 in brackets). Never contains credentials. */
  where: string;
  /** The URL with credentials and query-string values masked. */
  display: string;
  /** The URL as given (connections share one Target per URL: the string is kept here, once). */
  url: string;
}

const SCHEME_DEFAULT_PORT: Record<string, number> = { ws: 80, wss: 443 };

/**
 * Parses `url` and checks its scheme against `knownSchemes`.
 * @throws ConfigError (a TypeError) for a malformed URL, an unknown scheme or a missing port. The message never repeats credentials.
 */
/** ws:// and wss:// (the websocket protocol on the `ws` package); every other scheme is a stream. */
export function isWebSocket(scheme: string): boolean {
  return scheme === 'ws' || scheme === 'wss';
}

export function parseTarget(url: string, knownSchemes: readonly string[]): Target {
  if (typeof url !== 'string' || url === '')
    throw new ConfigError('AsyncTcpConnection: url must be a non-empty string such as "ws://127.0.0.1:8080"');
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    const port =
      /^[a-z][a-z0-9+.-]*:\/\/(?:[^/@?#]*@)?(?:\[[^\]]*\]|[^/:?#]*):(\d{6,}|[1-9]\d{4,})(?:[/?#]|$)/i.exec(
        url,
      )?.[1];
    if (port !== undefined && Number(port) > 65535) {
      throw new ConfigError(`AsyncTcpConnection: port ${port} out of range (1-65535) in "${maskRaw(url)}"`);
    }
    throw new ConfigError(
      `AsyncTcpConnection: malformed url "${maskRaw(url)}" (expected e.g. "ws://127.0.0.1:8080/path")`,
    );
  }
  rememberUrlSecrets(u);
  const scheme = u.protocol.slice(0, -1).toLowerCase();
  if (scheme === 'websocket' || scheme === 'http' || scheme === 'https') {
    throw new ConfigError(
      `AsyncTcpConnection: "${maskUrl(u)}": ${scheme}:// is a listen scheme (for new Worker('${scheme}://0.0.0.0:port')); ` +
        (scheme === 'websocket'
          ? `a websocket client connects to ws://${u.host}${u.pathname || '/'} (or wss://)`
          : `AsyncTcpConnection has no HTTP client: use fetch()`),
    );
  }
  if (!knownSchemes.includes(scheme)) {
    throw new ConfigError(
      `AsyncTcpConnection: unknown scheme "${scheme}://" in "${maskUrl(u)}"; expected one of ${knownSchemes.map((s) => s + '://').join(', ')}`,
    );
  }
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  if (host === '') throw new ConfigError(`AsyncTcpConnection: no host in "${maskUrl(u)}"`);
  const port = u.port === '' ? SCHEME_DEFAULT_PORT[scheme] : Number(u.port);
  if (port === undefined)
    throw new ConfigError(
      `AsyncTcpConnection: "${maskUrl(u)}" needs a port (e.g. ${scheme}://${u.host}:1234)`,
    );
  if (port === 0)
    throw new ConfigError(
      `AsyncTcpConnection: port 0 in "${maskUrl(u)}" cannot be connected to (use 1-65535)`,
    );
  const secure = scheme === 'wss' || scheme === 'tls' || scheme === 'ssl';
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    scheme,
    host,
    port,
    path: (u.pathname || '/') + u.search,
    secure,
    where,
    display: maskUrl(u),
    url,
  };
}

/** Renders `u` with user/password replaced by `***` and every query-string value by `***`. */
export function maskUrl(u: URL): string {
  const creds = u.username !== '' || u.password !== '' ? '***@' : '';
  let query = '';
  if (u.search !== '') {
    const parts: string[] = [];
    for (const key of u.searchParams.keys()) parts.push(`${encodeURIComponent(key)}=***`);
    query = '?' + parts.join('&');
  }
  return `${u.protocol}//${creds}${u.host}${u.pathname}${query}`;
}

/** Masks what looks like credentials or query values in a string that is not a valid URL. */
function maskRaw(s: string): string {
  return s
    .replace(/\/\/[^/@]*@/, '//***@')
    .replace(/=[^&#]*/g, '=***')
    .slice(0, 200);
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Refuses header names that are not HTTP tokens and values containing CR, LF or NUL (header injection).
 * @throws ConfigError (a TypeError) naming the header (never its value).
 */
export function checkHeaders(headers: Record<string, string>): void {
  if (headers === null || typeof headers !== 'object')
    throw new ConfigError('AsyncTcpConnection: headers must be an object of name -> string value');
  for (const name of Object.keys(headers)) {
    if (!TOKEN.test(name))
      throw new ConfigError(
        `AsyncTcpConnection: header name ${JSON.stringify(name.slice(0, 40))} is not a valid HTTP header name (no CR, LF, ':' or spaces)`,
      );
    const value = headers[name];
    if (typeof value !== 'string')
      throw new ConfigError(`AsyncTcpConnection: header "${name}" must have a string value`);
    if (/[\r\n\0]/.test(value))
      throw new ConfigError(
        `AsyncTcpConnection: header "${name}" value contains CR, LF or NUL (refused: header injection)`,
      );
  }
}
