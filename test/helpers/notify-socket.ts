// A real NOTIFY_SOCKET for tests: an AF_UNIX SOCK_DGRAM socket bound by a small python3 receiver (Node
// cannot bind one, see src/master/systemd/notify.ts), with SO_PASSCRED so each datagram's sender pid is
// known, as systemd knows it. It closes the fd of every BARRIER=1 (what systemd does to answer a barrier).
import { spawn, type ChildProcess } from 'node:child_process';
import { after } from 'node:test';

export interface NotifyMessage {
  /** Sender pid from SCM_CREDENTIALS. */
  pid: number;
  fields: Record<string, string>;
  /** The receiver's CLOCK_MONOTONIC in µs when the datagram arrived. */
  receivedUsec: number;
}

export interface NotifySocket {
  /** The NOTIFY_SOCKET value (a path, or `@name`). */
  address: string;
  messages(): NotifyMessage[];
  /** Resolves with the first message at index >= `from` that matches (rejects after `timeoutMs`). */
  waitFor(
    match: (m: NotifyMessage) => boolean,
    from?: number,
    timeoutMs?: number,
  ): Promise<{ message: NotifyMessage; index: number }>;
  close(): void;
}

const RECEIVER = String.raw`
import json, os, socket, struct, sys, time
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\0' + addr[1:] if addr.startswith('@') else addr)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
print(json.dumps({'bound': True}), flush=True)
while True:
    data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64))
    now = int(time.monotonic() * 1e6)
    pid = None
    for level, kind, payload in anc:
        if kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack('3i', payload[:12])[0]
        elif kind == socket.SCM_RIGHTS:
            for fd in struct.unpack('%di' % (len(payload) // 4), payload[: len(payload) // 4 * 4]):
                os.close(fd)
    fields = dict(line.split('=', 1) for line in data.decode().split('\n') if '=' in line)
    if fields == {'BARRIER': '1'}:
        continue
    print(json.dumps({'pid': pid, 'fields': fields, 'receivedUsec': now}), flush=True)
`;

/** Bind `address` (`@name` = abstract namespace) and collect what arrives; closed after the test file. */
export async function bindNotifySocket(address: string): Promise<NotifySocket> {
  const child: ChildProcess = spawn('python3', ['-c', RECEIVER, address], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const messages: NotifyMessage[] = [];
  const listeners = new Set<() => void>();
  let buffered = '';
  let bound!: () => void;
  const ready = new Promise<void>((resolve) => (bound = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const parsed = JSON.parse(line) as NotifyMessage | { bound: true };
      if ('bound' in parsed) bound();
      else messages.push(parsed);
    }
    for (const listener of listeners) listener();
  });
  const close = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  after(close);
  const timer = setTimeout(() => {
    close();
  }, 5000);
  await Promise.race([
    ready,
    new Promise((_, reject) => child.once('exit', () => reject(new Error('notify receiver exited')))),
  ]).finally(() => clearTimeout(timer));
  return {
    address,
    messages: () => messages,
    waitFor(match, from = 0, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          for (let i = from; i < messages.length; i++) {
            if (match(messages[i]!)) {
              done();
              resolve({ message: messages[i]!, index: i });
              return;
            }
          }
        };
        const timeout = setTimeout(() => {
          done();
          reject(
            new Error(`no matching notification after ${timeoutMs} ms; got ${JSON.stringify(messages)}`),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timeout);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    close,
  };
}
