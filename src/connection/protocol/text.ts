// text://  newline-delimited messages (Workerman's Text protocol): one line per message, "\n" appended on send,
// trailing "\r\n" or "\n" stripped on receive.
import type { Protocol } from './Protocol.js';

/** Newline-framed UTF-8 text. */
export const textProtocol: Protocol<string, string | Buffer> = {
  input(buffer) {
    const i = buffer.indexOf(10);
    return i === -1 ? 0 : i + 1;
  },
  decode(buffer) {
    let end = buffer.length - 1;
    if (end > 0 && buffer[end - 1] === 13) end--;
    return buffer.toString('utf8', 0, end);
  },
  encode(data) {
    return typeof data === 'string' ? data + '\n' : Buffer.concat([data, NEWLINE]);
  },
};

const NEWLINE = Buffer.from('\n');
