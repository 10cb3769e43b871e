// tcp://, tls://, ssl:// and the framed protocols (text, frame, registered ones) on a plain socket.
// Without a protocol every read chunk is one message; with one, packages.ts (which this link extends) splits
// the byte stream into packages. This file is the socket's life: open, reads, writes, close.
import type { Socket } from 'node:net';
import { connectFault, type ConnectionFault } from '../errors.js';
import type { Link, LinkConfig, LinkOwner, SendData } from '../link.js';
import { EMPTY, PackageReader } from './packages.js';
import { openSocket } from './socket.js';

/** One stream attempt. */
class StreamLink extends PackageReader implements Link {
  private socket: Socket | null = null;
  /** The first socket opened (the proxy tunnel while it is being set up), destroyed with the link. */
  private raw: Socket | null = null;
  private open = false;
  private closed = false;
  private drainWatched = false;

  constructor(owner: LinkOwner, cfg: LinkConfig, accepted: Socket | null = null) {
    super(owner, cfg);
    if (accepted !== null) {
      // A connection a server accepted: already open; the owner opens itself once it holds the link.
      this.raw = this.socket = accepted;
      this.open = true;
      this.attach(accepted);
      return;
    }
    this.raw = openSocket(
      cfg.target,
      cfg.tls,
      cfg.proxy,
      (s) => this.connected(s),
      (err, s) => {
        this.socket = s;
        if (err !== null) {
          this.fault(err);
          return;
        }
        this.attach(s);
      },
    );
  }

  private attach(s: Socket): void {
    s.on(
      'data',
      this.protocol === null
        ? (chunk: Buffer) => this.owner._linkMessage(chunk)
        : (chunk: Buffer) => this.onData(chunk),
    );
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (!this.open) this.fault(connectFault(e, this.cfg.target.where));
    });
    s.on('close', () => this.finish());
  }

  private connected(s: Socket): void {
    if (this.ending) return;
    this.open = true;
    this.owner._linkConnected(this, s);
    if (!this.ending) this.owner._linkOpen(this, null);
  }

  protected fault(f: ConnectionFault): void {
    if (this.ending) return;
    this.ending = true;
    this.owner._linkFault(this, f);
    this.destroy();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = EMPTY;
    this.lineParts = [];
    this.partial = null;
    this.owner._linkClosed(this, null, '');
  }

  write(data: SendData): boolean {
    const s = this.socket as Socket;
    if (this.ending || !s.writable) return false;
    if (this.protocol !== null) {
      s.write(this.protocol.encode(data, this.owner));
    } else {
      s.write(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
    }
    return true;
  }

  bufferedAmount(): number {
    return this.socket === null ? 0 : this.socket.writableLength;
  }

  watchDrain(): void {
    if (this.drainWatched || this.socket === null) return;
    this.drainWatched = true;
    this.socket.on('drain', () => this.owner._linkDrain(this));
  }

  watchAlive(): void {}

  pause(): void {
    this.socket?.pause();
  }

  resume(): void {
    this.socket?.resume();
  }

  ping(): void {}

  close(): void {
    const s = this.socket;
    if (s === null || !this.open) return this.destroy();
    this.ending = true;
    s.end();
    setTimeout(() => s.destroy(), this.cfg.closeTimeoutMs).unref();
  }

  destroy(): void {
    this.ending = true;
    this.raw?.destroy();
    if (this.socket !== null) this.socket.destroy();
    if (this.socket === null || (this.socket.destroyed && !this.socket.listenerCount('close')))
      queueMicrotask(() => this.finish());
  }
}

/** Runs the stream protocol of `cfg` on `socket`, a connection a server accepted (already open). */
export function acceptStreamLink(owner: LinkOwner, cfg: LinkConfig, socket: Socket): Link {
  return new StreamLink(owner, cfg, socket);
}

/** Opens a stream attempt for `owner`. */
export function openStreamLink(owner: LinkOwner, cfg: LinkConfig): Link {
  return new StreamLink(owner, cfg);
}
