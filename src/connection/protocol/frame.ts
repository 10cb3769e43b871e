// frame://  4-byte big-endian total length (header included) followed by the payload (Workerman's Frame protocol).
import type { Protocol } from './Protocol.js';

/** Length-prefixed binary packages; `onMessage` gets the payload as a Buffer. */
export const frameProtocol: Protocol<Buffer, string | Buffer | Uint8Array> = {
  input(buffer) {
    if (buffer.length < 4) return 0;
    const total = buffer.readUInt32BE(0);
    return total >= 4 ? total : -1;
  },
  decode(buffer) {
    return buffer.subarray(4);
  },
  encode(data) {
    const body = typeof data === 'string' ? Buffer.from(data) : data;
    const out = Buffer.allocUnsafe(4 + body.length);
    out.writeUInt32BE(4 + body.length, 0);
    out.set(body, 4);
    return out;
  },
};
