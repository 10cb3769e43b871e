// Wire formats the load generator writes and the baselines parse inline: websocket frames (server side,
// unmasked), text:// lines and frame:// packages. Also the websocket accept key for a hand-written handshake.
import { createHash } from 'node:crypto';

export type Kind = 'text64' | 'bin16k' | 'line64' | 'frame64' | 'frame16k';

export const KINDS: Record<Kind, { bytes: number; label: string }> = {
  text64: { bytes: 64, label: '64 B text' },
  bin16k: { bytes: 16384, label: '16 KiB binary' },
  line64: { bytes: 64, label: '64 B line' },
  frame64: { bytes: 64, label: '64 B frame' },
  frame16k: { bytes: 16384, label: '16 KiB frame' },
};

/** One unmasked server frame (opcode 1 text / 2 binary). */
export function wsFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([0x80 | opcode, len])
      : len < 65536
        ? Buffer.from([0x80 | opcode, 126, len >> 8, len & 255])
        : null;
  if (head === null) throw new Error('payload too large for the benchmark framer');
  return Buffer.concat([head, payload]);
}

/** The bytes of one message of `kind` as the server sends it. */
export function message(kind: Kind): Buffer {
  const n = KINDS[kind].bytes;
  const payload = Buffer.alloc(n, 'x'.charCodeAt(0));
  switch (kind) {
    case 'text64':
      return wsFrame(1, payload);
    case 'bin16k':
      return wsFrame(2, payload);
    case 'line64':
      return Buffer.concat([payload.subarray(0, n - 1), Buffer.from('\n')]);
    case 'frame64':
    case 'frame16k': {
      const out = Buffer.alloc(4 + n, 'x'.charCodeAt(0));
      out.writeUInt32BE(4 + n, 0);
      return out;
    }
  }
}

/** Length of one masked client frame with a payload of `n` bytes. */
export function clientFrameLength(n: number): number {
  return n + 4 + (n < 126 ? 2 : n < 65536 ? 4 : 10);
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** The 101 a hand-written server answers to a client's upgrade request head (its Sec-WebSocket-Key). */
export function switchingProtocols(requestHead: string): string {
  const key = /sec-websocket-key: *(\S+)/i.exec(requestHead)?.[1] ?? '';
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`;
}

export function isWsKind(kind: Kind): boolean {
  return kind === 'text64' || kind === 'bin16k';
}
