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
 * Split a stream of bytes into lines; calls `onLine` for each complete one. Returns the feeder. Only each
 * new chunk is searched for a newline and a line is decoded once, so a multi-megabyte reply costs linear time
 * (and a UTF-8 character split across chunks stays whole).
 */
export function lineReader(onLine: (line: string) => void): (chunk: Buffer) => void {
  let pending: Buffer[] = [];
  return (chunk) => {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf(10, start)) >= 0) {
      pending.push(chunk.subarray(start, newline));
      const line = (pending.length === 1 ? pending[0]! : Buffer.concat(pending)).toString('utf8');
      pending = [];
      start = newline + 1;
      if (line.trim()) onLine(line);
    }
    if (start < chunk.length) pending.push(chunk.subarray(start));
  };
}
