// frame://  4-byte big-endian total length (header included) followed by the payload (Workerman's Frame protocol).
import type { Protocol, ScanningProtocol } from './Protocol.js';

function inputAt(buffer: Buffer, start: number): number {
  if (buffer.length - start < 4) return 0;
  const total = buffer.readUInt32BE(start);
  return total >= 4 ? total : -1;
}

function decodeAt(buffer: Buffer, start: number, end: number): Buffer {
  return buffer.subarray(start + 4, end);
}

/** Length-prefixed binary packages; `onMessage` gets the payload as a Buffer. */
export const frameProtocol: Protocol<Buffer, string | Buffer | Uint8Array> & ScanningProtocol = {
  input: (buffer) => inputAt(buffer, 0),
  decode: (buffer) => decodeAt(buffer, 0, buffer.length),
  encode(data) {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    const out = Buffer.allocUnsafe(4 + body.length);
    out.writeUInt32BE(4 + body.length, 0);
    out.set(body, 4);
    return out;
  },
  inputAt,
  decodeAt,
};
