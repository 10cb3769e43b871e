// Fuzzing accepted connections (listening workers) with fast-check: a text:// and a frame:// echo server
// get valid message streams split at random points (the echoes must be the same messages, in order), and
// the text://, frame:// and websocket:// servers get random bytes: that one connection may end, the worker
// never does (the same pid answers afterwards). A bounded run; the seed is printed (FUZZ_SEED replays).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { useAppDir, run, type Running } from '../helpers/processes.js';
import { refusedPort } from '../helpers/servers.js';
import { rawConnect, type RawClient } from '../helpers/clients.js';

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
console.log(`server fuzz seed ${seed} (replay: FUZZ_SEED=${seed} node scripts/test.mjs fuzz/)`);
const app = useAppDir();
let p: Running;
const ports: Record<string, number> = {};
const HANDSHAKE =
  'GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

before(async () => {
  for (const k of ['text', 'frame', 'ws']) ports[k] = await refusedPort();
  const script = app.write(
    'fuzz-servers.mjs',
    `import { Worker } from 'workerman-ts';
const up = (w) => (w.onWorkerStart = () => console.log('UP ' + w.name + ' ' + process.pid));
const t = new Worker('text://127.0.0.1:${ports.text}', { name: 'text', maxPackageSize: 4096 });
t.onMessage = (c, line) => c.send(line === '?pid' ? 'pid ' + process.pid : JSON.stringify(line));
up(t);
const f = new Worker('frame://127.0.0.1:${ports.frame}', { name: 'frame', maxPackageSize: 4096 });
f.onMessage = (c, b) => c.send(b.toString() === '?pid' ? 'pid ' + process.pid : JSON.stringify([...b]));
up(f);
const w = new Worker('websocket://127.0.0.1:${ports.ws}', { name: 'ws', maxPackageSize: 4096 });
w.onMessage = (c, d) => c.send('pid ' + process.pid);
up(w);
Worker.runAll();
`,
  );
  p = run([script, 'start'], { cwd: app.dir });
  await p.waitFor('Start success', 30_000);
});

after(async () => {
  if (!p) return;
  p.child.kill('SIGTERM');
  await p.exited();
});

const pidOf = (name: string): string => new RegExp(`UP ${name} (\\d+)`).exec(p.output())![1]!;

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 });

async function writeSplit(c: RawClient, bytes: Buffer, split: number[]): Promise<void> {
  c.socket.setNoDelay(true);
  const points = [...new Set(split.map((x) => Math.floor(x * bytes.length)))].sort((a, b) => a - b);
  let from = 0;
  for (const at of [...points, bytes.length]) {
    if (at <= from || c.socket.destroyed) continue;
    c.socket.write(bytes.subarray(from, at));
    from = at;
    await new Promise((r) => setTimeout(r, 1));
  }
}

const frameOf = (payload: Buffer): Buffer => {
  const b = Buffer.alloc(4 + payload.length);
  b.writeUInt32BE(4 + payload.length, 0);
  payload.copy(b, 4);
  return b;
};

/** Payloads of the frame:// packages in `bytes` (complete ones). */
function frames(bytes: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at + 4 <= bytes.length) {
    const n = bytes.readUInt32BE(at);
    if (at + n > bytes.length) break;
    out.push(bytes.toString('utf8', at + 4, at + n));
    at += n;
  }
  return out;
}

/** The worker still answers, from the process it started in. */
async function stillServes(name: 'text' | 'frame' | 'ws'): Promise<void> {
  const c = await rawConnect(ports[name]!);
  if (name === 'text') c.socket.write('?pid\n');
  else if (name === 'frame') c.socket.write(frameOf(Buffer.from('?pid')));
  else {
    c.socket.write(HANDSHAKE);
    await c.waitFor('101');
    c.socket.write(Buffer.from([0x81, 0x80 | 4, 0, 0, 0, 0, ...Buffer.from('?pid')]));
  }
  await c.waitFor(`pid ${pidOf(name)}`);
  c.socket.destroy();
}

const line = fc
  .string({ unit: 'grapheme', maxLength: 120 })
  .filter((s) => !s.includes('\n') && !s.endsWith('\r') && s !== '?pid');

test(
  'fuzz, accepted text:// and frame://: valid streams split anywhere are decoded to the same messages',
  {
    timeout: 60_000,
  },
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.record({
            scheme: fc.constant('text' as const),
            msgs: fc.array(line, { minLength: 1, maxLength: 20 }),
          }),
          fc.record({
            scheme: fc.constant('frame' as const),
            msgs: fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 15 }),
          }),
        ),
        cuts,
        async ({ scheme, msgs }, split) => {
          const c = await rawConnect(ports[scheme]!);
          try {
            if (scheme === 'text') {
              await writeSplit(c, Buffer.from(msgs.map((m) => `${m}\n`).join('')), split);
              const want = msgs.map((m) => JSON.stringify(m));
              await c.waitFor(new RegExp(`(?:[^\\n]*\\n){${want.length}}`), 8000);
              const got = c.received().toString('utf8').split('\n').slice(0, want.length);
              assert.deepEqual(got, want);
            } else {
              const list = msgs as Uint8Array[];
              await writeSplit(c, Buffer.concat(list.map((m) => frameOf(Buffer.from(m)))), split);
              const want = list.map((m) => JSON.stringify([...m]));
              const deadline = Date.now() + 8000;
              while (frames(c.received()).length < want.length && Date.now() < deadline)
                await new Promise((r) => setTimeout(r, 5));
              assert.deepEqual(frames(c.received()), want);
            }
          } finally {
            c.socket.destroy();
          }
        },
      ),
      { seed, numRuns: 25, interruptAfterTimeLimit: 25_000 },
    );
  },
);

test(
  'fuzz, accepted text://, frame:// and websocket://: random bytes never end the worker',
  {
    timeout: 90_000,
  },
  async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('text' as const, 'frame' as const, 'ws' as const),
        fc.uint8Array({ minLength: 1, maxLength: 6000 }),
        cuts,
        async (scheme, bytes, split) => {
          const c = await rawConnect(ports[scheme]!);
          try {
            if (scheme === 'ws') {
              c.socket.write(HANDSHAKE);
              await c.waitFor('101');
            }
            await writeSplit(c, Buffer.from(bytes), split);
          } finally {
            c.socket.destroy();
          }
          await stillServes(scheme);
        },
      ),
      { seed, numRuns: 30, interruptAfterTimeLimit: 40_000 },
    );
    for (const s of ['text', 'frame', 'ws'] as const) await stillServes(s);
    assert.doesNotMatch(p.output(), /uncaught exception|exited: (?!code 0)/);
  },
);
