// HTTP CONNECT proxies: which proxy applies to a target (HTTPS_PROXY / HTTP_PROXY / NO_PROXY or the `proxy`
// option) and opening the tunnel with Node built-ins only.
import { ConfigError } from '../../shared/config-error.js';
import { rememberUrlSecrets } from '../secrets.js';
import net from 'node:net';
import { ConnectionError, fault, type ConnectionFault } from '../errors.js';

/** A parsed proxy. `authorization` is the ready `Proxy-Authorization` value, never printed. */
export interface ProxyConfig {
  host: string;
  port: number;
  authorization: string | null;
  /** `host:port` of the proxy for messages. */
  where: string;
}

/** Parses `http://[user:pass@]host[:port]`. @throws ConfigError (a TypeError) for anything else (message without credentials). */
export function parseProxy(url: string): ProxyConfig {
  let u: URL;
  try {
    u = new URL(url.includes('://') ? url : `http://${url}`);
  } catch {
    throw new ConfigError('AsyncTcpConnection: proxy must be a URL like http://host:3128');
  }
  if (u.protocol !== 'http:')
    throw new ConfigError(
      `AsyncTcpConnection: only http:// CONNECT proxies are supported, got ${u.protocol}//`,
    );
  rememberUrlSecrets(u);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const port = u.port === '' ? 80 : Number(u.port);
  const authorization =
    u.username !== ''
      ? 'Basic ' +
        Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')
      : null;
  return { host, port, authorization, where: `${u.hostname}:${port}` };
}

/** True when NO_PROXY (comma list of hosts, `.suffix`, `host:port` or `*`) exempts `host:port`. */
export function noProxy(host: string, port: number, list: string): boolean {
  for (const raw of list.split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    const m = /^(.*?)(?::(\d+))?$/.exec(entry);
    const name = (m?.[1] ?? entry).replace(/^\*?\./, '.');
    if (m?.[2] !== undefined && Number(m[2]) !== port) continue;
    const h = host.toLowerCase();
    if (name.startsWith('.') ? h.endsWith(name) || h === name.slice(1) : h === name || h.endsWith('.' + name))
      return true;
  }
  return false;
}

/**
 * The proxy for a ws/wss target from the environment: HTTPS_PROXY for wss, HTTP_PROXY for ws (upper or lower
 * case), unless NO_PROXY exempts the host.
 */
export function proxyFromEnv(
  secure: boolean,
  host: string,
  port: number,
  env: NodeJS.ProcessEnv = process.env,
): ProxyConfig | null {
  const url = secure ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  if (url === undefined || url === '') return null;
  if (noProxy(host, port, env.NO_PROXY ?? env.no_proxy ?? '')) return null;
  return parseProxy(url);
}

/**
 * Opens a CONNECT tunnel to `host:port` through `proxy`. Calls `done(null, socket)` with the raw tunnel
 * socket, or `done(fault)` if the proxy cannot be reached or refuses.
 */
export function openTunnel(
  proxy: ProxyConfig,
  host: string,
  port: number,
  where: string,
  done: (err: ConnectionFault | null, socket: net.Socket) => void,
): net.Socket {
  const socket = net.connect({ host: proxy.host, port: proxy.port });
  const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  let head = Buffer.alloc(0);
  const fail = (detail: string): void => {
    cleanup();
    socket.destroy();
    done(fault(ConnectionError.PROXY_FAIL, where, `${detail} (proxy ${proxy.where})`), socket);
  };
  const onError = (err: NodeJS.ErrnoException): void => fail(err.code ?? err.message);
  const onEnd = (): void => fail('proxy closed the connection');
  const onData = (chunk: Buffer): void => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) {
      if (head.length > 16384) fail('proxy answer too long');
      return;
    }
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head.toString('latin1', 0, Math.min(end, 64)));
    if (status?.[1] !== '200') {
      fail(`proxy answered ${status ? `HTTP ${status[1]}` : 'something that is not HTTP'}`);
      return;
    }
    cleanup();
    const rest = head.subarray(end + 4);
    if (rest.length > 0) socket.unshift(rest);
    done(null, socket);
  };
  const cleanup = (): void => {
    socket.off('data', onData);
    socket.off('error', onError);
    socket.off('end', onEnd);
  };
  socket.on('error', onError);
  socket.on('end', onEnd);
  socket.on('data', onData);
  socket.once('connect', () => {
    const auth = proxy.authorization === null ? '' : `Proxy-Authorization: ${proxy.authorization}\r\n`;
    socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`);
  });
  return socket;
}
