// The CLI side of the control socket: one request, one reply, bounded in time.
import { connect } from 'node:net';
import { controlSocketPath } from './socket-path.js';
import { lineReader, type ControlPart, type ControlReply } from './protocol.js';

export class ControlError extends Error {
  override name = 'ControlError';
}

/** No socket (ENOENT) or nobody listening on it (ECONNREFUSED): no master of ours behind that pid. */
export function nobodyListening(err: unknown): boolean {
  return /ENOENT|ECONNREFUSED/.test(err instanceof Error ? err.message : String(err));
}

/**
 * Send `cmd` to the master with pid `masterPid`; resolves with its result or rejects with a ControlError.
 * The parts of a streamed reply go to `onPart` as they arrive, before the result.
 */
export function controlRequest<T = unknown>(
  masterPid: number,
  cmd: string,
  args: Record<string, unknown> = {},
  timeoutMs = 5000,
  onPart?: (part: unknown) => void,
): Promise<T> {
  const path = controlSocketPath(masterPid);
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new ControlError(
          `the master (pid ${masterPid}) did not answer "${cmd}" within ${timeoutMs / 1000} s`,
        ),
      );
    }, timeoutMs);
    const finish = (fn: () => void) => {
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    socket.on('error', (err: NodeJS.ErrnoException) =>
      finish(() =>
        reject(
          new ControlError(
            `cannot reach the master (pid ${masterPid}) at ${path}: ${err.code ?? err.message}`,
          ),
        ),
      ),
    );
    socket.on(
      'data',
      lineReader((line) => {
        const reply = JSON.parse(line) as ControlReply | ControlPart;
        if ('part' in reply) return onPart?.(reply.part);
        finish(() => (reply.ok ? resolve(reply.result as T) : reject(new ControlError(reply.error))));
      }),
    );
    socket.write(`${JSON.stringify({ id: 1, cmd, args })}\n`);
  });
}
