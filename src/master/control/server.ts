// The master's control socket: answers status/connections/reload/stop from the CLI as JSON lines.
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, unlinkSync } from 'node:fs';
import { controlSocketPath, ensureControlDirectory } from '../../shared/control/socket-path.js';
import {
  lineReader,
  StreamedReply,
  type ControlReply,
  type ControlRequest,
} from '../../shared/control/protocol.js';

export type ControlHandler = (args: Record<string, unknown>) => Promise<unknown> | unknown;

export class ControlServer {
  private server: Server | null = null;
  readonly path: string;

  constructor(
    private readonly handlers: Record<string, ControlHandler>,
    masterPid = process.pid,
  ) {
    this.path = controlSocketPath(masterPid);
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
    await new Promise<void>((resolve) => server.close(() => resolve()));
    removeQuietly(this.path);
  }

  private serve(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    socket.on(
      'data',
      lineReader((line) => void this.answer(socket, line)),
    );
  }

  private async answer(socket: Socket, line: string): Promise<void> {
    let request: ControlRequest;
    try {
      request = JSON.parse(line) as ControlRequest;
    } catch {
      return write(socket, { id: 0, ok: false, error: 'malformed request' });
    }
    const handler = this.handlers[request.cmd];
    if (!handler)
      return write(socket, { id: request.id, ok: false, error: `unknown command "${request.cmd}"` });
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
