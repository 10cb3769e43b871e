// Socket reads for ws:// client sockets: 256 KiB per read into one landing buffer shared by every socket of
// the process, instead of Node's default of a fresh 64 KiB buffer per read. At 16 KiB frames a client is
// bound by the cost per read (the read call, the stream's push, a 64 KiB allocation and the garbage it
// leaves, and `ws` copying the frame that spans two reads): four times fewer reads made a client read
// 16 KiB frames ~1.4x faster (docs/perf/frames.md). The landing buffer is reused, so what was read is copied
// into a buffer of its exact size before anyone sees it; idle sockets hold no read buffer of their own.
import type { OnReadOpts, Socket } from 'node:net';

/** Bytes per read. Larger made no measured difference at 16 KiB frames and pins more per kept message. */
export const READ_SIZE = 256 * 1024;

let landing: Buffer | null = null;

/**
 * Node calls this with `this` = the socket, synchronously for each read. The copy goes to the 'data'
 * listeners (our handshake, then `ws`) directly: Node does not emit 'data' itself for a socket that reads
 * through `onread`, and pause()/resume()/'end' work as usual. What `ws` unshifts with the 101 is flushed by
 * the readable side on the next tick, before the next read is delivered (test/connection/reads.test.ts).
 * Pushing reads through the readable side instead measured slower (1.08x and 1.13x raw ws against 1.35x,
 * same hour), and pushing only while it held bytes broke the resume-feed example's reloads (5 of 7 runs).
 */
function onRead(this: Socket, n: number, buf: Uint8Array): boolean {
  const chunk = Buffer.allocUnsafe(n);
  chunk.set(buf.subarray(0, n));
  this.emit('data', chunk);
  return true;
}

/** The `onread` option of `net.connect()` for a socket read this way. */
export function largeReads(): OnReadOpts {
  landing ??= Buffer.allocUnsafeSlow(READ_SIZE);
  return { buffer: landing, callback: onRead };
}
