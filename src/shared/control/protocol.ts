// The control protocol: one JSON object per line. Request `{ id, cmd, args }`, reply `{ id, ok, result | error }`.
// A streamed reply sends `{ id, part }` lines first (each as soon as it is ready), then the ordinary reply.

export interface ControlRequest {
  id: number;
  cmd: string;
  args?: Record<string, unknown>;
}

export type ControlReply =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** A line of a streamed reply, before the final ControlReply. */
export interface ControlPart {
  id: number;
  part: unknown;
}

/**
 * A handler's result sent in parts: `run` calls `part(json)` with JSON text for each part as it becomes
 * ready (the server writes it at once) and resolves with the final result.
 */
export class StreamedReply {
  constructor(readonly run: (part: (json: string) => void) => Promise<unknown>) {}
}

/**
 * The largest request line the master reads (64 KiB). Requests are a few hundred bytes; anything longer
 * is answered with an error and its connection closed, so a hostile or broken client cannot grow the master.
 */
export const MAX_CONTROL_REQUEST_BYTES = 64 * 1024;

/**
 * What a request line must be before anything in it is used: an object with a string `cmd`, a numeric `id`
 * if any, and `args` an object if any. Returns the request or the reason it is refused.
 */
export function parseRequest(line: string): ControlRequest | { error: string; id: number } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { error: 'malformed request: not JSON', id: 0 };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { error: 'malformed request: not a JSON object', id: 0 };
  const { id, cmd, args } = value as Record<string, unknown>;
  const safeId = typeof id === 'number' && Number.isFinite(id) ? id : 0;
  if (typeof cmd !== 'string') return { error: 'malformed request: "cmd" must be a string', id: safeId };
  if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args)))
    return { error: 'malformed request: "args" must be an object', id: safeId };
  return { id: safeId, cmd, args: (args ?? {}) as Record<string, unknown> };
}

/**
 * Split a stream of bytes into lines; calls `onLine` for each complete one. Returns the feeder. Only each
 * new chunk is searched for a newline and a line is decoded once, so a multi-megabyte reply costs linear time
 * (and a UTF-8 character split across chunks stays whole).
 */
export function lineReader(
  onLine: (line: string) => void,
  limit?: { maxBytes: number; onTooLong: () => void },
): (chunk: Buffer) => void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overflowed = false;
  return (chunk) => {
    if (overflowed) return;
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf(10, start)) >= 0) {
      if (limit && pendingBytes + newline - start > limit.maxBytes) break;
      pendingBytes = 0;
      pending.push(chunk.subarray(start, newline));
      const line = (pending.length === 1 ? pending[0]! : Buffer.concat(pending)).toString('utf8');
      pending = [];
      start = newline + 1;
      if (line.trim()) onLine(line);
    }
    if (start < chunk.length) {
      pendingBytes += chunk.length - start;
      if (limit && pendingBytes > limit.maxBytes) {
        // Drop what is buffered and read nothing more from this stream.
        overflowed = true;
        pending = [];
        return limit.onTooLong();
      }
      pending.push(chunk.subarray(start));
    }
  };
}
