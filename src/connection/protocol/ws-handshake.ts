// The client side of the websocket opening handshake (RFC 6455 4.1) on our own socket: the GET upgrade
// request, and the 101 answer read and checked as `ws` checks it. `ws`'s own client path goes through
// node:http (a ClientRequest, an HTTP parser, per-request buffers), which left ~2.6 KiB of native memory
// per idle connection behind (docs/perf/lean.md); the checked socket is handed to `ws` (protocol/ws.ts).
import { createRequire } from 'node:module';
import type { Hash } from 'node:crypto';
import { ConnectionError, fault, type ConnectionFault } from '../errors.js';
import type { HandshakeResponse } from '../link.js';
import type { Target } from '../url.js';

// node:crypto is required on the first attempt, not imported: a worker without a websocket does not load it.
const requireCjs = createRequire(import.meta.url);
type Crypto = { randomBytes(n: number): Buffer; createHash(alg: string): Hash };
let crypto: Crypto | null = null;
const loadCrypto = (): Crypto => (crypto ??= requireCjs('node:crypto') as Crypto);

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Node's default `maxHeaderSize`, what node:http allowed the answer before. */
export const MAX_HEAD = 16 * 1024;
/** The request headers the handshake sets itself (a user's header of the same name is replaced, as in `ws`). */
const OWN = new Set(['sec-websocket-version', 'sec-websocket-key', 'connection', 'upgrade']);
/** Repeated response headers node:http keeps only the first of. */
const SINGLE = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** A fresh Sec-WebSocket-Key. */
export function newKey(): string {
  return loadCrypto().randomBytes(16).toString('base64');
}

/** The GET upgrade request, headers in the order node:http wrote them for `ws`: user's, the handshake's, Host. */
export function requestHead(
  target: Target,
  url: string,
  headers: Record<string, string>,
  key: string,
): string {
  let s = `GET ${target.path} HTTP/1.1\r\n`;
  let host = false;
  let auth = false;
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    if (OWN.has(lower)) continue;
    if (lower === 'host') host = true;
    if (lower === 'authorization') auth = true;
    s += `${name}: ${headers[name]}\r\n`;
  }
  s += `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n`;
  if (!host) {
    const name = target.host.includes(':') ? `[${target.host}]` : target.host;
    s += `Host: ${target.port === (target.secure ? 443 : 80) ? name : `${name}:${target.port}`}\r\n`;
  }
  const basic = auth ? null : basicAuth(url);
  if (basic !== null) s += `Authorization: Basic ${basic}\r\n`;
  return s + '\r\n';
}

/** `user:password` of the URL (percent-decoded, as `ws` sent them), base64; null without credentials. */
function basicAuth(url: string): string | null {
  if (!url.includes('@')) return null;
  const u = new URL(url);
  if (u.username === '' && u.password === '') return null;
  return Buffer.from(`${unescape(u.username)}:${unescape(u.password)}`).toString('base64');
}

function unescape(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** A checked 101: the response for `onWebSocketConnect` and the bytes after it (the first frames). */
export interface Upgraded {
  response: HandshakeResponse;
  head: Buffer;
}

/**
 * Reads the answer in `buf` (everything received so far): null while the head is incomplete, else the
 * checked upgrade or the fault. 1xx answers other than 101 are skipped, as node:http did.
 */
export function readAnswer(buf: Buffer, key: string, where: string): Upgraded | ConnectionFault | null {
  let start = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', start, 'latin1');
    if (end === -1) return buf.length - start > MAX_HEAD ? bad(where, 'response head over 16 KiB') : null;
    if (end - start > MAX_HEAD) return bad(where, 'response head over 16 KiB');
    const lines = buf.toString('latin1', start, end).split('\r\n');
    const status = /^HTTP\/(1\.[01]) (\d{3})(?: (.*))?$/.exec(lines[0]!);
    if (status === null) return bad(where, 'not an HTTP response');
    const code = Number(status[2]);
    start = end + 4;
    if (code >= 100 && code < 200 && code !== 101) continue;
    const raw: string[] = [];
    const headers: Record<string, string | string[] | undefined> = {};
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      const colon = line.indexOf(':');
      if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) return bad(where, 'malformed header line');
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      raw.push(name, value);
      addHeader(headers, name.toLowerCase(), value);
    }
    if (code !== 101) {
      return fault(
        ConnectionError.HANDSHAKE_REJECTED,
        where,
        `server answered HTTP ${code} ${statusText(code)}`.trimEnd(),
      );
    }
    const problem = check(headers, key);
    if (problem !== null) return bad(where, problem);
    return {
      response: toResponse(status[1]!, code, status[3] ?? '', headers, raw),
      head: buf.subarray(start),
    };
  }
}

/** What `ws` checks in a 101 to a request without subprotocols or extensions; null when it is fine. */
function check(headers: Record<string, string | string[] | undefined>, key: string): string | null {
  const upgrade = headers.upgrade;
  if (typeof upgrade !== 'string' || upgrade.toLowerCase() !== 'websocket') return 'Invalid Upgrade header';
  const digest = loadCrypto()
    .createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  if (headers['sec-websocket-accept'] !== digest) return 'Invalid Sec-WebSocket-Accept header';
  if (headers['sec-websocket-protocol'] !== undefined)
    return 'Server sent a subprotocol but none was requested';
  if (headers['sec-websocket-extensions'] !== undefined)
    return 'Server sent a Sec-WebSocket-Extensions header but no extension was requested';
  return null;
}

function bad(where: string, what: string): ConnectionFault {
  return fault(ConnectionError.PROTOCOL_ERROR, where, `bad handshake answer: ${what}`);
}

/** node:http's rules for a repeated header: set-cookie a list, cookie joined by `; `, some kept once. */
function addHeader(
  headers: Record<string, string | string[] | undefined>,
  name: string,
  value: string,
): void {
  const had = headers[name];
  if (had === undefined) headers[name] = name === 'set-cookie' ? [value] : value;
  else if (Array.isArray(had)) had.push(value);
  else if (SINGLE.has(name)) return;
  else headers[name] = `${had}${name === 'cookie' ? '; ' : ', '}${value}`;
}

function toResponse(
  httpVersion: string,
  statusCode: number,
  statusMessage: string,
  headers: Record<string, string | string[] | undefined>,
  raw: string[],
): HandshakeResponse {
  return {
    statusCode,
    statusMessage,
    httpVersion,
    headers,
    toString() {
      let s = `HTTP/${this.httpVersion} ${this.statusCode} ${this.statusMessage}\r\n`;
      for (let i = 0; i + 1 < raw.length; i += 2) s += `${raw[i]}: ${raw[i + 1]}\r\n`;
      return s + '\r\n';
    },
  };
}

/** `Not Found` for 404; node:http is required here, not imported (loaded by `ws` by then). */
export function statusText(status: number): string {
  return (requireCjs('node:http') as typeof import('node:http')).STATUS_CODES[status] ?? '';
}
