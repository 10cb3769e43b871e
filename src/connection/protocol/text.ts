// text://  newline-delimited messages (Workerman's Text protocol): one line per message, "\n" appended on send,
// trailing "\r\n" or "\n" stripped on receive.
import type { Protocol, ScanningProtocol } from './Protocol.js';

function inputAt(buffer: Buffer, start: number): number {
  const i = buffer.indexOf(10, start);
  return i === -1 ? 0 : i + 1 - start;
}

function decodeAt(buffer: Buffer, start: number, end: number): string {
  let last = end - 1;
  if (last > start && buffer[last - 1] === 13) last--;
  return buffer.toString('utf8', start, last);
}

/** Newline-framed UTF-8 text. */
export const textProtocol: Protocol<string, string | Buffer> & ScanningProtocol = {
  input: (buffer) => inputAt(buffer, 0),
  decode: (buffer) => decodeAt(buffer, 0, buffer.length),
  encode(data) {
    return typeof data === 'string' ? data + '\n' : Buffer.concat([data, NEWLINE]);
  },
  inputAt,
  decodeAt,
  delimited: true,
};

const NEWLINE = Buffer.from('\n');
