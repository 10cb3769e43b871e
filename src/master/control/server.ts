// The master's control socket: answers status/connections/reload/stop from the CLI as JSON lines.
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, unlinkSync } from 'node:fs';
import { controlSocketPath, ensureControlDirectory } from '../../shared/control/socket-path.js';
import {
  lineReader,
  MAX_CONTROL_REQUEST_BYTES,
  parseRequest,
  StreamedReply,
  type ControlReply,
} from '../../shared/control/protocol.js';

/** Returns the result, or a promise of it. */
export type ControlHandler = (args: Record<string, unknown>) => unknown;

export class ControlServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  readonly path: string;
  /** A Map, not the object: a request for "constructor" or "toString" must not find Object's methods. */
  private readonly handlers: Map<string, ControlHandler>;

  constructor(handlers: Record<string, ControlHandler>, masterPid = process.pid) {
    this.path = controlSocketPath(masterPid);
    this.handlers = new Map(Object.entries(handlers));
  }

  /** Listen on the socket (replacing a stale one left by a dead master with our pid). */
  async listen(): Promise<void> {
    ensureControlDirectory();
    removeQuietly(this.path);
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(this.path, 0o600);
    server.unref(); // the control socket alone must not keep a host process alive
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // server.close() waits for every connection: an idle client (or one left half-open) would hold the
    // master's exit forever, and an unref'd server lets the process exit before the pid file is removed.
    for (const socket of this.sockets) socket.destroy();
    await closed;
    removeQuietly(this.path);
  }

  private serve(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const tooLong = () => {
      const error = `request larger than ${MAX_CONTROL_REQUEST_BYTES} bytes; closing the connection`;
      if (socket.destroyed) return;
      socket.end(`${JSON.stringify({ id: 0, ok: false, error })}\n`);
      // Keep reading (the reader drops everything now): closing with unread bytes would reset the
      // connection and the client would lose the answer. A client that keeps writing is cut off after 1 s.
      const cutOff = setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => clearTimeout(cutOff));
    };
    socket.on(
      'data',
      lineReader((line) => void this.answer(socket, line), {
        maxBytes: MAX_CONTROL_REQUEST_BYTES,
        onTooLong: tooLong,
      }),
    );
  }

  private async answer(socket: Socket, line: string): Promise<void> {
    const request = parseRequest(line);
    if ('error' in request) return write(socket, { id: request.id, ok: false, error: request.error });
    const handler = this.handlers.get(request.cmd);
    if (!handler) {
      const known = [...this.handlers.keys()].join(', ');
      const cmd = JSON.stringify(request.cmd.slice(0, 40));
      return write(socket, { id: request.id, ok: false, error: `unknown command ${cmd} (known: ${known})` });
    }
    try {
      let result = await handler(request.args ?? {});
      if (result instanceof StreamedReply) {
        const prefix = `{"id":${JSON.stringify(request.id)},"part":`;
        result = await result.run((json) => {
          if (!socket.destroyed) socket.write(`${prefix}${json}}\n`);
        });
      }
      write(socket, { id: request.id, ok: true, result });
    } catch (err) {
      write(socket, { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function write(socket: Socket, reply: ControlReply): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(reply)}\n`);
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // not there: fine
  }
}
