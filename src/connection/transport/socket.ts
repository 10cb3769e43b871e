// Opening the socket of one attempt: plain TCP, TLS, or either through an HTTP CONNECT tunnel.
import net from 'node:net';
import { createRequire } from 'node:module';
import type tls from 'node:tls';
import type { ConnectionFault } from '../errors.js';
import type { Target } from '../url.js';
import type { TlsOptions } from '../types.js';
import { openTunnel, type ProxyConfig } from './proxy.js';
import { largeReads } from './reads.js';

// node:tls (and the crypto it loads) costs a worker ~10 ms of start-up: loaded on the first secure connection.
const requireCjs = createRequire(import.meta.url);
const loadTls = (): typeof tls => requireCjs('node:tls') as typeof tls;

/**
 * Opens the socket for `target`. `onConnected(socket)` fires once TCP, tunnel and TLS are all up.
 * `done` hands over the socket as soon as it exists (immediately when direct, after the tunnel when proxied)
 * or a proxy fault. Socket errors are left to whoever owns the socket next (ws or the stream link).
 * `large`: read a direct plain TCP socket 256 KiB at a time (transport/reads.ts; for `ws`, which consumes
 * 'data' events only). TLS and tunnelled sockets read the default way.
 */
export function openSocket(
  target: Target,
  tlsOptions: TlsOptions,
  proxy: ProxyConfig | null,
  onConnected: (socket: net.Socket) => void,
  done: (err: ConnectionFault | null, socket: net.Socket) => void,
  large = false,
): net.Socket {
  const wrapTls = (raw: net.Socket | undefined): tls.TLSSocket => {
    const servername = tlsOptions.servername ?? (net.isIP(target.host) ? undefined : target.host);
    const s = loadTls().connect({
      ...tlsOptions,
      host: target.host,
      port: target.port,
      servername,
      socket: raw,
    });
    s.once('secureConnect', () => onConnected(s));
    return s;
  };
  if (proxy === null) {
    let socket: net.Socket;
    if (target.secure) {
      socket = wrapTls(undefined);
    } else {
      socket = net.connect({
        host: target.host,
        port: target.port,
        ...(large ? { onread: largeReads() } : {}),
      });
      socket.once('connect', () => onConnected(socket));
    }
    socket.setNoDelay(true);
    done(null, socket);
    return socket;
  }
  return openTunnel(proxy, target.host, target.port, target.where, (err, raw) => {
    if (err !== null) return done(err, raw);
    raw.setNoDelay(true);
    if (!target.secure) {
      onConnected(raw);
      return done(null, raw);
    }
    done(null, wrapTls(raw));
  });
}
