// The connection's state machine: which state may follow which (docs/connections.md draws it). The one
// check of every transition; AsyncTcpConnection's `state` is read-only outside (a getter, as ws's readyState).
import type { ConnectionState } from './types.js';

/** state -> the states it may move to. */
const NEXT: { readonly [S in ConnectionState]: readonly ConnectionState[] } = {
  initial: ['connecting', 'reconnecting', 'closed'],
  connecting: ['handshaking', 'open', 'closed'],
  handshaking: ['open', 'closed'],
  open: ['closing', 'closed'],
  closing: ['closed'],
  closed: ['connecting', 'reconnecting'],
  // reconnecting -> reconnecting: a reConnect() that replaces the pending attempt
  reconnecting: ['connecting', 'reconnecting', 'closed'],
};

export function canMove(from: ConnectionState, to: ConnectionState): boolean {
  return NEXT[from].includes(to);
}

/** @throws Error for a transition the machine does not have: a bug of ours, never the user's input. */
export function checkMove(from: ConnectionState, to: ConnectionState): void {
  if (!canMove(from, to))
    throw new Error(`AsyncTcpConnection: internal error: no transition ${from} -> ${to}`);
}
