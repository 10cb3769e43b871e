// Splitting a stream into packages (tcp:// with a protocol: text, frame, registered ones): Workerman's
// input/decode contract, walked by offset. StreamLink (stream.ts) extends this class and owns the socket;
// a package goes from here straight to the owner's _linkMessage (linked.ts / server/accepted.ts).
import { ConnectionError, fault, type ConnectionFault } from '../errors.js';
import type { LinkConfig, LinkOwner } from '../link.js';
import { scanning, type Protocol, type ScanningProtocol } from '../protocol/Protocol.js';
import { rethrowLater } from '../registry.js';

export const EMPTY = Buffer.alloc(0);

/** The package state of one stream link; the link is this object (no helper object per connection). */
export abstract class PackageReader {
  /** True once the link is closing or faulted: no more packages are delivered. */
  protected ending = false;
  protected pending: Buffer = EMPTY;
  /** text:// reads after `pending` that have no line end yet (joined once, when the end arrives). */
  protected lineParts: Buffer[] = [];
  protected linePartsBytes = 0;
  /**
   * A package of a built-in protocol whose length is known but whose bytes are still arriving: allocated
   * once at its full size and filled chunk by chunk, so a large package costs one copy of its bytes (not a
   * growing concat per read, and not a copy of the whole next read).
   */
  protected partial: Buffer | null = null;
  private partialFilled = 0;

  protected readonly protocol: Protocol | null;
  protected readonly scan: ScanningProtocol | null;

  constructor(
    protected readonly owner: LinkOwner,
    protected readonly cfg: LinkConfig,
  ) {
    this.protocol = cfg.protocol;
    this.scan = cfg.protocol === null ? null : scanning(cfg.protocol);
  }

  /**
   * Splits the byte stream into packages with the protocol's `input`, Workerman's contract. Walks the chunk
   * by offset: the built-in protocols (`scan`) need no Buffer view per package; a user protocol gets the
   * views its `input(buffer)`/`decode(buffer)` contract needs. The loops are separate small functions and
   * the faults leave through `stop()`: the per-package path stays small enough for V8 to inline
   * `subarray` and the message delivery into it.
   */
  protected onData(chunk: Buffer): void {
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

  /** Reports `f` and drops the socket (stream.ts). */
  protected abstract fault(f: ConnectionFault): void;
}
