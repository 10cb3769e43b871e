// tcp://, tls://, ssl:// and the framed protocols (text, frame, registered ones) on a plain socket.
// Without a protocol every read chunk is one message; with one, Workerman's input/decode contract splits
// the byte stream into packages.
import type { Socket } from 'node:net';
import { ConnectionError, connectFault, fault, type ConnectionFault } from '../errors.js';
import type { Link, LinkConfig, LinkOwner, SendData } from '../link.js';
import { scanning, type Protocol, type ScanningProtocol } from '../protocol/Protocol.js';
import { openSocket } from './socket.js';
import { rethrowLater } from '../registry.js';

const EMPTY = Buffer.alloc(0);

/** One stream attempt. */
class StreamLink implements Link {
  private socket: Socket | null = null;
  /** The first socket opened (the proxy tunnel while it is being set up), destroyed with the link. */
  private raw: Socket | null = null;
  private open = false;
  private ending = false;
  private closed = false;
  private drainWatched = false;
  private pending: Buffer = EMPTY;
  /** text:// reads after `pending` that have no line end yet (joined once, when the end arrives). */
  private lineParts: Buffer[] = [];
  private linePartsBytes = 0;
  /**
   * A package of a built-in protocol whose length is known but whose bytes are still arriving: allocated
   * once at its full size and filled chunk by chunk, so a large package costs one copy of its bytes (not a
   * growing concat per read, and not a copy of the whole next read).
   */
  private partial: Buffer | null = null;
  private partialFilled = 0;
  private readonly protocol: Protocol | null;
  private readonly scan: ScanningProtocol | null;

  constructor(
    private readonly owner: LinkOwner,
    private readonly cfg: LinkConfig,
    accepted: Socket | null = null,
  ) {
    this.protocol = cfg.protocol;
    this.scan = cfg.protocol === null ? null : scanning(cfg.protocol);
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

  /**
   * Splits the byte stream into packages with the protocol's `input`, Workerman's contract. Walks the chunk
   * by offset: the built-in protocols (`scan`) need no Buffer view per package; a user protocol gets the
   * views its `input(buffer)`/`decode(buffer)` contract needs. The loops are separate small functions and
   * the faults leave through `stop()`: the per-package path stays small enough for V8 to inline
   * `subarray` and the message delivery into it.
   */
  private onData(chunk: Buffer): void {
    if (this.partial !== null) {
      chunk = this.fillPartial(chunk);
      if (chunk.length === 0) return;
    } else if (this.pending.length > 0 && this.scan?.delimited) {
      chunk = this.completeDelimited(chunk, this.scan);
      if (chunk.length === 0) return;
    }
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const scan = this.scan;
    const start =
      scan !== null ? this.splitScanning(buf, scan) : this.splitUser(buf, this.protocol as Protocol);
    if (start < 0) return; // faulted
    this.pending = start === 0 ? buf : start === buf.length ? EMPTY : buf.subarray(start);
    if (scan !== null && !scan.delimited && this.pending.length > 0 && !this.ending) {
      // splitScanning stopped at a package longer than what has arrived (and within maxPackageSize); its
      // length is known once its header is in (else 0: the leftover waits for the next read as before)
      const n = scan.inputAt(this.pending, 0);
      if (n > this.pending.length) {
        this.partial = Buffer.allocUnsafe(n);
        this.partialFilled = this.pending.copy(this.partial, 0);
        this.pending = EMPTY;
      }
    }
  }

  /** A delimited leftover (text://) ends at the first package end in `chunk`: delivers it, returns the rest. */
  private completeDelimited(chunk: Buffer, scan: ScanningProtocol): Buffer {
    const n = scan.inputAt(chunk, 0);
    if (n <= 0) {
      // No end in this read either: keep the read as it is (a copy of the whole leftover per read made a
      // 10 MiB line cost ~1 GB of copying and seconds of CPU: found by bench/hostile), bounded by
      // maxPackageSize.
      this.lineParts.push(chunk);
      this.linePartsBytes += chunk.length;
      const total = this.pending.length + this.linePartsBytes;
      const max = this.cfg.maxPackageSize;
      if (total > max)
        this.fault(
          fault(
            ConnectionError.PACKAGE_TOO_LARGE,
            this.cfg.target.where,
            `${total} bytes without a complete package (maxPackageSize ${max})`,
          ),
        );
      return EMPTY;
    }
    const whole = Buffer.concat([this.pending, ...this.lineParts, chunk.subarray(0, n)]);
    this.pending = EMPTY;
    this.lineParts = [];
    this.linePartsBytes = 0;
    if (this.splitScanning(whole, scan) < 0) return EMPTY; // faulted (e.g. longer than maxPackageSize)
    return n === chunk.length ? EMPTY : chunk.subarray(n);
  }

  /** Copies what `chunk` has of the package being assembled; delivers it once whole. Returns the rest. */
  private fillPartial(chunk: Buffer): Buffer {
    const partial = this.partial as Buffer;
    const take = Math.min(partial.length - this.partialFilled, chunk.length);
    chunk.copy(partial, this.partialFilled, 0, take);
    this.partialFilled += take;
    if (this.partialFilled < partial.length) return EMPTY;
    this.partial = null;
    if (this.splitScanning(partial, this.scan as ScanningProtocol) < 0) return EMPTY; // faulted
    return take === chunk.length ? EMPTY : chunk.subarray(take);
  }

  /** The built-in protocols: returns where the unread rest starts, or -1 after a fault. */
  private splitScanning(buf: Buffer, scan: ScanningProtocol): number {
    const max = this.cfg.maxPackageSize;
    let start = 0;
    while (start < buf.length && !this.ending) {
      const n = scan.inputAt(buf, start); // an integer: a length, 0 (need more) or -1 (bad)
      const left = buf.length - start;
      if (n <= 0 || n > max || n > left) {
        if (this.stop(n, left, max)) return -1;
        break;
      }
      const end = start + n;
      let message: unknown;
      try {
        message = scan.decodeAt(buf, start, end);
      } catch (e) {
        start = end;
        rethrowLater(e);
        continue;
      }
      start = end;
      this.owner._linkMessage(message);
    }
    return start;
  }

  /** A registered protocol (`input`/`decode` on Buffer views): returns the rest's start, or -1 after a fault. */
  private splitUser(buf: Buffer, proto: Protocol): number {
    const max = this.cfg.maxPackageSize;
    let start = 0;
    while (start < buf.length && !this.ending) {
      const left = buf.length - start;
      let n: number;
      try {
        n = proto.input(start === 0 ? buf : buf.subarray(start), this.owner);
      } catch (e) {
        this.fault(
          fault(
            ConnectionError.PROTOCOL_ERROR,
            this.cfg.target.where,
            `input() threw: ${(e as Error).message}`,
          ),
        );
        return -1;
      }
      if (!Number.isInteger(n) || n <= 0 || n > max || n > left) {
        if (this.stop(n, left, max)) return -1;
        break;
      }
      const end = start + n;
      let message: unknown;
      try {
        message = proto.decode(buf.subarray(start, end), this.owner);
      } catch (e) {
        start = end;
        rethrowLater(e); // a bug in user code: surfaces as an uncaught exception, the stream stays in step
        continue;
      }
      start = end;
      this.owner._linkMessage(message);
    }
    return start;
  }

  /**
   * `input` returned `n` that is not a complete package in the `left` bytes: true after reporting a fault
   * (bad or oversize package, or more than `max` bytes without one), false to wait for more bytes.
   */
  private stop(n: number, left: number, max: number): boolean {
    const where = this.cfg.target.where;
    if (n === 0) {
      if (left <= max) return false;
      this.fault(
        fault(
          ConnectionError.PACKAGE_TOO_LARGE,
          where,
          `${left} bytes without a complete package (maxPackageSize ${max})`,
        ),
      );
    } else if (!Number.isInteger(n) || n < 0) {
      this.fault(fault(ConnectionError.PROTOCOL_ERROR, where, `bad package (input() returned ${String(n)})`));
    } else if (n > max) {
      this.fault(
        fault(ConnectionError.PACKAGE_TOO_LARGE, where, `package of ${n} bytes (maxPackageSize ${max})`),
      );
    } else {
      return false; // n > left: the rest of the package has not arrived yet
    }
    return true;
  }

  private fault(f: ConnectionFault): void {
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
