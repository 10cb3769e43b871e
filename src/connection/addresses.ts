// Socket addresses kept per connection without a string or object each: IPs interned, Node's own cache
// on the socket dropped (test/connection/private-fields.test.ts notices if Node renames it).
import type { Socket } from 'node:net';

/** IP strings seen, so that connections to one server share one string each. Bounded: cleared past 1,024. */
const ips = new Map<string, string>();

export function internIp(ip: string | undefined): string | null {
  if (ip === undefined) return null; // the socket is already gone: address unknown
  const known = ips.get(ip);
  if (known !== undefined) return known;
  if (ips.size >= 1024) ips.clear();
  ips.set(ip, ip);
  return ip;
}

/**
 * Reading a socket's addresses makes Node cache them on the socket (`_sockname`/`_peername`, an object and a
 * string each, for the socket's life). We keep our own copy, so drop those; Node re-reads them if asked.
 */
export function forgetAddressCache(socket: Socket): void {
  const s = socket as Socket & { _sockname?: unknown; _peername?: unknown };
  s._sockname = undefined;
  s._peername = undefined;
}
