// Records a connection's callbacks in order, so tests can assert on sequences.
import { AsyncTcpConnection } from '../../src/connection/index.js';

export interface Recorder {
  events: string[];
  messages: unknown[];
  errors: { code: number; message: string }[];
  closes: number;
}

/** Sets every callback of `conn` to record into the returned object (existing callbacks are replaced). */
export function record<M>(conn: AsyncTcpConnection<M>): Recorder {
  const r: Recorder = { events: [], messages: [], errors: [], closes: 0 };
  conn.onConnect = () => r.events.push('connect');
  conn.onWebSocketConnect = () => r.events.push('open');
  conn.onMessage = (_c, d) => {
    r.messages.push(d);
    r.events.push('message');
  };
  conn.onError = (_c, code, message) => {
    r.errors.push({ code, message });
    r.events.push(`error:${code}`);
  };
  conn.onClose = () => {
    r.closes++;
    r.events.push('close');
  };
  conn.onBufferFull = () => r.events.push('bufferFull');
  conn.onBufferDrain = () => r.events.push('bufferDrain');
  return r;
}
