// What a websocket fault is called: `ws`'s errors (and the socket's before the 101) as our stable codes,
// and the close frames a user may send, checked before anything changes. Client (protocol/ws.ts) and
// accepted (server/ws-link.ts) websockets share both.
import { ConfigError } from '../../shared/config-error.js';
import { show } from '../../shared/show.js';
import { ConnectionError, connectFault, fault, type ConnectionFault } from '../errors.js';

/** @internal Maps an error (`ws`'s, or the socket's before the 101) onto a fault; null when it is only the echo of a close we asked for. */
export function classify(
  err: Error & { code?: string },
  phase: 'connect' | 'handshake' | 'open',
  where: string,
  maxPackageSize: number,
): ConnectionFault | null {
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
