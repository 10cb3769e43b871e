// Fuzz properties for what a client connection reads (fast-check: shrinking, and a seed to replay a
// failure): text://, frame:// and a user protocol split at random points, random bytes on the same paths,
// and random websocket handshake answers. Real servers on 127.0.0.1; the connection under test is ours.
// Used by test/fuzz/fuzz.test.ts (a bounded run) and bench/fuzz.ts (`npm run fuzz`, a long run).
import net from 'node:net';
import { acceptKey, onUpgradeRequest } from '../helpers/servers.js';
import fc from 'fast-check';
import { AsyncTcpConnection, ConnectionError } from '../../src/connection/index.js';

export interface FuzzRun {
  seed: number;
  numRuns: number;
  /** Stop a property after this long (ms), whatever numRuns says. */
  timeLimitMs?: number;
}

/** A TCP server whose next connection gets `script(socket, request)`. */
async function scriptedServer(): Promise<{
  port: number;
  next: (fn: (s: net.Socket, head: Buffer) => void | Promise<void>) => void;
  close: () => Promise<void>;
}> {
  let script: ((s: net.Socket, head: Buffer) => void | Promise<void>) | null = null;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    const fn = script;
    script = null;
    // Every scheme here but ws writes first; for ws the script waits for the request itself.
    if (fn) void fn(s, Buffer.alloc(0));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    next: (fn) => {
      script = fn;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Writes `bytes` cut at `cuts` (fractions), one write per piece, yielding between them. */
async function writeSplit(s: net.Socket, bytes: Buffer, cuts: number[]): Promise<void> {
  s.setNoDelay(true);
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p <= from) continue;
    if (s.destroyed) return;
    s.write(bytes.subarray(from, p));
    from = p;
    await new Promise((r) => setImmediate(r));
  }
}

interface Outcome {
  messages: unknown[];
  errors: { code: number; message: string }[];
  opened: boolean;
  closed: boolean;
}

/** Connect to `url`, collect until onClose (bounded). */
function collect(url: string, options: Record<string, unknown>, boundMs = 8000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const out: Outcome = { messages: [], errors: [], opened: false, closed: false };
    const conn = new AsyncTcpConnection<unknown>(url, { proxy: false, ...options });
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`${url}: no onClose within ${boundMs} ms (${JSON.stringify(out).slice(0, 300)})`));
    }, boundMs);
    conn.onWebSocketConnect = () => {
      out.opened = true;
    };
    conn.onMessage = (_c, d) => {
      out.messages.push(d);
    };
    conn.onError = (_c, code, message) => {
      out.errors.push({ code, message });
    };
    conn.onClose = () => {
      out.closed = true;
      clearTimeout(timer);
      resolve(out);
    };
    conn.connect();
  });
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 });
/** A text:// message: any text without "\n", not ending in "\r" (the protocol strips one trailing \r). */
const line = fc
  .string({ unit: 'grapheme', maxLength: 200 })
  .filter((s) => !s.includes('\n') && !s.endsWith('\r'));

let registered = false;
/** A user protocol: one length byte, then that many bytes (latin1 text). */
function registerLengthByte(): void {
  if (registered) return;
  registered = true;
  AsyncTcpConnection.registerProtocol('fuzzlb', {
    input: (b) => (b.length < 1 ? 0 : 1 + b[0]!),
    decode: (b) => b.toString('latin1', 1),
    encode: (d: string) =>
      Buffer.concat([Buffer.from([Buffer.byteLength(d, 'latin1')]), Buffer.from(d, 'latin1')]),
  });
}

const encoders = {
  text: (msgs: string[]) => Buffer.from(msgs.map((m) => `${m}\n`).join('')),
  frame: (msgs: Uint8Array[]) =>
    Buffer.concat(
      msgs.map((m) => {
        const b = Buffer.alloc(4 + m.length);
        b.writeUInt32BE(4 + m.length, 0);
        b.set(m, 4);
        return b;
      }),
    ),
  fuzzlb: (msgs: string[]) =>
    Buffer.concat(msgs.map((m) => Buffer.concat([Buffer.from([m.length]), Buffer.from(m, 'latin1')]))),
};

/** Valid streams decode to the same messages however they are split (text, frame, a user protocol). */
export async function streamsDecodeTheSame(run: FuzzRun): Promise<void> {
  registerLengthByte();
  const srv = await scriptedServer();
  const check = async (
    scheme: 'text' | 'frame' | 'fuzzlb',
    bytes: Buffer,
    split: number[],
    want: unknown[],
  ) => {
    srv.next(async (s) => {
      await writeSplit(s, bytes, split);
      s.end();
    });
    const out = await collect(`${scheme}://127.0.0.1:${srv.port}`, { maxPackageSize: 1 << 20 });
    if (out.errors.length > 0) throw new Error(`${scheme}: unexpected error ${JSON.stringify(out.errors)}`);
    const got = out.messages.map((m) => (Buffer.isBuffer(m) ? [...m] : m));
    const exp = want.map((m) => (m instanceof Uint8Array ? [...m] : m));
    if (JSON.stringify(got) !== JSON.stringify(exp))
      throw new Error(
        `${scheme}: got ${JSON.stringify(got).slice(0, 400)}, want ${JSON.stringify(exp).slice(0, 400)}`,
      );
  };
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({ scheme: fc.constant('text' as const), msgs: fc.array(line, { maxLength: 30 }) }),
          fc.record({
            scheme: fc.constant('frame' as const),
            msgs: fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }),
          }),
          fc.record({
            scheme: fc.constant('fuzzlb' as const),
            msgs: fc.array(fc.string({ unit: 'binary-ascii', maxLength: 255 }), { maxLength: 30 }),
          }),
        ),
        cuts,
        async ({ scheme, msgs }, split) => {
          const bytes = (encoders[scheme] as (m: unknown[]) => Buffer)(msgs);
          await check(scheme, bytes, split, msgs);
        },
      ),
      { seed: run.seed, numRuns: run.numRuns, interruptAfterTimeLimit: run.timeLimitMs },
    );
  } finally {
    await srv.close();
  }
}

const STREAM_CODES: number[] = [ConnectionError.PROTOCOL_ERROR, ConnectionError.PACKAGE_TOO_LARGE];

/** Random bytes on text://, frame:// and the user protocol: a clear error code or messages, then onClose. */
export async function garbageStreamsEndCleanly(run: FuzzRun): Promise<void> {
  registerLengthByte();
  const srv = await scriptedServer();
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('text', 'frame', 'fuzzlb'),
        fc.uint8Array({ maxLength: 4000 }),
        cuts,
        async (scheme, bytes, split) => {
          srv.next(async (s) => {
            await writeSplit(s, Buffer.from(bytes), split);
            s.end();
          });
          const out = await collect(`${scheme}://127.0.0.1:${srv.port}`, { maxPackageSize: 256 });
          if (out.errors.length > 1) throw new Error(`more than one error: ${JSON.stringify(out.errors)}`);
          for (const e of out.errors) {
            if (!STREAM_CODES.includes(e.code) || !e.message.includes('127.0.0.1'))
              throw new Error(`unexpected error ${e.code} ${e.message}`);
          }
        },
      ),
      { seed: run.seed, numRuns: run.numRuns, interruptAfterTimeLimit: run.timeLimitMs },
    );
  } finally {
    await srv.close();
  }
}

/** What a hostile or broken server answers to the upgrade request (`accept` is the right key). */
type Answer = (accept: string) => Buffer;
const header = fc.tuple(
  fc.stringMatching(/^[A-Za-z-]{1,20}$/),
  fc.string({ unit: 'binary-ascii', maxLength: 60 }),
);
const answers: fc.Arbitrary<{ kind: string; answer: Answer; hold: boolean }> = fc.oneof(
  fc.record({
    kind: fc.constant('random bytes'),
    answer: fc.uint8Array({ maxLength: 2000 }).map((b) => () => Buffer.from(b)),
    hold: fc.constant(false),
  }),
  fc.record({
    kind: fc.constant('any status, random headers'),
    answer: fc.tuple(fc.integer({ min: 100, max: 599 }), fc.array(header, { maxLength: 8 })).map(
      ([status, hs]) =>
        () =>
          Buffer.from(`HTTP/1.1 ${status} X\r\n${hs.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`),
    ),
    hold: fc.constant(false),
  }),
  fc.record({
    kind: fc.constant('101 without, with a wrong or with the right accept, then random frames'),
    answer: fc
      .tuple(
        fc.constantFrom('none', 'wrong', 'right'),
        fc.base64String({ maxLength: 28 }),
        fc.uint8Array({ maxLength: 3000 }),
      )
      .map(([which, wrong, frames]) => (accept: string) => {
        const a = which === 'none' ? '' : `Sec-WebSocket-Accept: ${which === 'right' ? accept : wrong}\r\n`;
        return Buffer.concat([
          Buffer.from(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${a}\r\n`,
          ),
          Buffer.from(frames),
        ]);
      }),
    hold: fc.constant(false),
  }),
  fc.record({
    kind: fc.constant('a valid 101 cut short'),
    answer: fc.double({ min: 0, max: 0.999, noNaN: true }).map((f) => (accept: string) => {
      const full = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
      return Buffer.from(full.slice(0, Math.floor(f * full.length)));
    }),
    hold: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('an oversized header'),
    answer: fc
      .integer({ min: 10_000, max: 200_000 })
      .map((n) => () => Buffer.from(`HTTP/1.1 101 Switching Protocols\r\nX-Big: ${'a'.repeat(n)}\r\n\r\n`)),
    hold: fc.boolean(),
  }),
);

const HANDSHAKE_CODES: number[] = [
  ConnectionError.CONNECT_FAIL,
  ConnectionError.HANDSHAKE_TIMEOUT,
  ConnectionError.HANDSHAKE_REJECTED,
  ConnectionError.PROTOCOL_ERROR,
  ConnectionError.PACKAGE_TOO_LARGE,
];

/** Random answers to the websocket upgrade: one clear error (or a working connection), always onClose. */
export async function handshakeAnswersEndCleanly(run: FuzzRun): Promise<void> {
  const srv = await scriptedServer();
  try {
    await fc.assert(
      fc.asyncProperty(answers, cuts, async ({ kind, answer, hold }, split) => {
        srv.next((s) =>
          onUpgradeRequest(s, (_head, key) => {
            s.resume();
            void writeSplit(s, answer(acceptKey(key)), split).then(() => {
              if (!hold) s.end();
            });
          }),
        );
        const out = await collect(`ws://127.0.0.1:${srv.port}`, {
          handshakeTimeout: 0.5,
          maxPackageSize: 1024,
        });
        const what = `${kind}: ${JSON.stringify(out).slice(0, 300)}`;
        if (!out.opened && out.errors.length !== 1)
          throw new Error(`not open, so exactly one error: ${what}`);
        if (out.errors.length > 1) throw new Error(`more than one error: ${what}`);
        for (const e of out.errors)
          if (!HANDSHAKE_CODES.includes(e.code) || e.message.length === 0)
            throw new Error(`unexpected error: ${what}`);
      }),
      { seed: run.seed, numRuns: run.numRuns, interruptAfterTimeLimit: run.timeLimitMs },
    );
  } finally {
    await srv.close();
  }
}
