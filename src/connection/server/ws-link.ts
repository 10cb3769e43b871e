// websocket:// on the `ws` package's server (noServer, on a node:http server the listener owns): the
// handshake, frames, ping/pong and close are `ws`'s. This file maps a server-side WebSocket's events onto
// an accepted connection (LinkOwner), with one shared listener per event, as protocol/ws.ts does for clients.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { classify } from '../protocol/ws-faults.js';
import type { Link, LinkOwner, SendData } from '../link.js';

/** `WebSocket.OPEN`, without touching the class. */
const OPEN = 1;
const TEXT = { binary: false };
const BINARY = { binary: true };

const LINK = Symbol('workerman.serverLink');
type LinkedWs = WebSocket & { [LINK]: ServerWsLink };

function onWsMessage(this: WebSocket, data: Buffer, isBinary: boolean): void {
  (this as LinkedWs)[LINK].owner._linkMessage(isBinary ? data : data.toString());
}

function onWsError(this: WebSocket, err: Error & { code?: string }): void {
  const link = (this as LinkedWs)[LINK];
  const f = classify(err, 'open', link.where(), link.maxPackageSize);
  if (f !== null) link.owner._linkFault(link, f);
  // `ws` closes the socket itself after a protocol error (close 1002/1009 and then the TCP end).
}

function onWsClose(this: WebSocket, code: number, reason: Buffer): void {
  const link = (this as LinkedWs)[LINK];
  link.owner._linkClosed(link, code, reason.toString());
}

/** One accepted websocket. */
export class ServerWsLink implements Link {
  constructor(
    readonly owner: LinkOwner & { readonly remoteAddress: string },
    private readonly ws: LinkedWs,
    private readonly socket: Socket,
    private readonly binary: boolean,
    readonly maxPackageSize: number,
  ) {
    ws[LINK] = this;
    ws.on('message', onWsMessage);
    ws.on('error', onWsError);
    ws.on('close', onWsClose);
  }

  where(): string {
    return this.owner.remoteAddress;
  }

  write(data: SendData): boolean {
    if (this.ws.readyState !== OPEN) return false;
    this.ws.send(data, this.binary ? BINARY : TEXT);
    return true;
  }

  bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  private drainWatched = false;

  /** Asked once a send buffer first fills: most connections never pay for a drain listener. */
  watchDrain(): void {
    if (this.drainWatched) return;
    this.drainWatched = true;
    this.socket.on('drain', () => this.owner._linkDrain(this));
  }

  watchAlive(): void {}

  ping(): void {
    if (this.ws.readyState === OPEN) this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState !== OPEN) return this.destroy();
    this.ws.close(code, reason);
  }

  destroy(): void {
    this.ws.terminate();
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }
}
