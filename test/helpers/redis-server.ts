// A real redis-server for the coordinator tests and benchmarks: 127.0.0.1, a free port, no persistence
// (--save '' --appendonly no), its own temp dir; stop() and start() again on the same port (an outage).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RedisServer {
  port: number;
  url: string;
  /** Start it (again, on the same port); resolves when it answers PING. */
  start(): Promise<void>;
  /** SIGKILL-free stop (SIGTERM, no save); resolves when the process is gone. */
  stop(): Promise<void>;
  /** Stop it and remove its dir. */
  close(): Promise<void>;
}

/** Why redis-server cannot run here, or null if it can. */
export function redisUnavailable(): string | null {
  const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (found.error)
    return `redis-server is not installed (${found.error.message}); .ci/run installs it with apt`;
  return null;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => (socket.destroy(), resolve(ok));
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'wmts-redis-'));
  let port = await freePort();
  let child: ChildProcess | null = null;
  let output = '';

  const launch = async (): Promise<boolean> => {
    output = '';
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    const proc = spawn('redis-server', [...args, '--dir', dir, '--protected-mode', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<false>((r) => proc.once('exit', () => r(false)));
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const up = await Promise.race([ping(port), exited]);
      if (up) return true;
      if (proc.exitCode !== null || proc.signalCode !== null) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.kill('SIGKILL');
    return false;
  };

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      if (await launch()) return;
      throw new Error(`redis-server did not start on port ${port}:\n${output}`);
    },
    async stop() {
      const proc = child;
      child = null;
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(timer);
    },
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // The port was free a moment ago; another process may take it first: try a few.
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await launch()) return server;
    if (!/in use/i.test(output)) break;
    port = await freePort();
    server.port = port;
    server.url = `redis://127.0.0.1:${port}`;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`redis-server did not start:\n${output}`);
}
