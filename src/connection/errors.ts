// Every error the connection layer reports: a stable numeric code and a message a person understands.
// One function builds them all, so codes and wording stay in one place.

/** Stable error codes passed to `onError(conn, code, message)`. Never renumbered. */
export const ConnectionError = {
  /** TCP connect failed: refused, unreachable, DNS lookup failed, reset before connect. (Workerman's code.) */
  CONNECT_FAIL: 1,
  /** A `send()` was dropped because the send buffer was full. (Workerman's code.) The connection stays up. */
  SEND_FAIL: 2,
  /** No TCP (and TLS) connection within `connectTimeout`. */
  CONNECT_TIMEOUT: 3,
  /** TCP connected but the websocket handshake did not finish within `handshakeTimeout`. */
  HANDSHAKE_TIMEOUT: 4,
  /** The server answered the websocket upgrade with an HTTP status other than 101 (message has the status). */
  HANDSHAKE_REJECTED: 5,
  /** TLS handshake failed: untrusted certificate, host name mismatch, protocol mismatch. */
  TLS_FAIL: 6,
  /** The peer broke the protocol: invalid frame, masked server frame, bad opcode, bad handshake answer, bad package. */
  PROTOCOL_ERROR: 7,
  /** A message or package larger than `maxPackageSize` arrived (or was announced). */
  PACKAGE_TOO_LARGE: 8,
  /** A ping was sent and nothing at all came back within `pongTimeout`. */
  PONG_TIMEOUT: 9,
  /** Nothing arrived for `idleTimeout` seconds. */
  IDLE_TIMEOUT: 10,
  /** The HTTP CONNECT proxy refused or failed to open the tunnel. */
  PROXY_FAIL: 11,
  /** Servers: a connection arrived while the Worker had `maxConnections` open; it was refused. */
  CONNECTION_LIMIT: 12,
} as const;

/** One of the values of {@link ConnectionError}. */
export type ConnectionErrorCode = (typeof ConnectionError)[keyof typeof ConnectionError];

/** An error as handed to `onError`: stable code plus human message (never containing credentials). */
export interface ConnectionFault {
  code: ConnectionErrorCode;
  message: string;
}

const OS_WORDS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'DNS lookup failed (host not found)',
  EAI_AGAIN: 'DNS lookup failed (temporary failure)',
  EPIPE: 'broken pipe',
};

/** Builds the fault for `code` about `where` (a masked `host:port`), with optional detail. */
export function fault(code: ConnectionErrorCode, where: string, detail = ''): ConnectionFault {
  const tail = detail === '' ? '' : `: ${detail}`;
  let text: string;
  switch (code) {
    case ConnectionError.CONNECT_FAIL:
      text = `connect to ${where} failed${tail}`;
      break;
    case ConnectionError.SEND_FAIL:
      text = `send to ${where} dropped${tail}`;
      break;
    case ConnectionError.CONNECT_TIMEOUT:
      text = `connect to ${where} timed out${tail}`;
      break;
    case ConnectionError.HANDSHAKE_TIMEOUT:
      text = `websocket handshake with ${where} timed out${tail}`;
      break;
    case ConnectionError.HANDSHAKE_REJECTED:
      text = `websocket handshake with ${where} rejected${tail}`;
      break;
    case ConnectionError.TLS_FAIL:
      text = `TLS handshake with ${where} failed${tail}`;
      break;
    case ConnectionError.PROTOCOL_ERROR:
      text = `protocol error from ${where}${tail}`;
      break;
    case ConnectionError.PACKAGE_TOO_LARGE:
      text = `package from ${where} too large${tail}`;
      break;
    case ConnectionError.PONG_TIMEOUT:
      text = `no answer from ${where} to ping${tail}`;
      break;
    case ConnectionError.IDLE_TIMEOUT:
      text = `nothing received from ${where}${tail}`;
      break;
    case ConnectionError.PROXY_FAIL:
      text = `proxy tunnel to ${where} failed${tail}`;
      break;
    case ConnectionError.CONNECTION_LIMIT:
      text = `connection from ${where} refused${tail}`;
      break;
  }
  return { code, message: text };
}

/** True for Node/OpenSSL error codes that mean the TLS layer failed. */
export function isTlsError(err: NodeJS.ErrnoException): boolean {
  const c = err.code ?? '';
  return (
    /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_|HOSTNAME|ALTNAME/.test(c) ||
    /certificate|SSL routines|TLS/i.test(err.message)
  );
}

/** Classifies a socket error seen before the connection was established. */
export function connectFault(err: NodeJS.ErrnoException, where: string): ConnectionFault {
  if (isTlsError(err))
    return fault(
      ConnectionError.TLS_FAIL,
      where,
      `${tlsDetail(err.message)}${err.code ? ` (${err.code})` : ''}`,
    );
  const c = err.code ?? '';
  const words = OS_WORDS[c];
  return fault(ConnectionError.CONNECT_FAIL, where, words ? `${words} (${c})` : err.message);
}

/**
 * OpenSSL's raw text (`write EPROTO 80...:error:0A00010B:SSL routines:ssl3_get_record:wrong version
 * number:../deps/openssl/...`, several lines) reduced to its reason, with a hint for the usual cause.
 */
export function tlsDetail(message: string): string {
  const reason = /SSL routines:[^:]*:([^:\n]+)/.exec(message)?.[1]?.trim();
  if (!reason) return message;
  if (reason === 'wrong version number' || reason === 'packet length too long' || reason === 'http request') {
    return `${reason}: the server did not answer with TLS (a plain ws:// or tcp:// port?)`;
  }
  return reason;
}
