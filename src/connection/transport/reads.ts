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
 * Node calls this with `this` = the socket, synchronously for each read: the landing buffer is free again
 * when it returns, so one buffer serves every socket. The copy is handed on as a 'data' event, which is what
 * the http client (before the upgrade) and `ws` (after) listen to; Node does not emit 'data' itself when a
 * socket reads through `onread`, and pause()/resume()/'end' work as usual.
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
