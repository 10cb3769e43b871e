// Message throughput of one client process, ours against the library underneath, in the same run:
// inbound ws (64 B text, 16 KiB binary; 1 and 100 connections), outbound ws send(), and text:// / frame://
// inbound against a raw net socket with the same framing inline. Figures per client CPU-second and per
// wall-clock second. Run: npm run bench:throughput
import { spawnChild, type Child } from './lib/procs.js';
import { atLeast, interleave, isMain, report, roundCount, scale } from './lib/stats.js';
import { clientFrameLength, isWsKind, KINDS, type Kind } from './lib/wire.js';

interface Measure {
  wallMs: number;
  cpuMs: number;
  msgs: number;
}

const CMD = 'npm run bench:throughput';

interface Side {
  server: Child;
  client: Child;
}

async function side(
  mode: 'ours' | 'raw',
  kind: Kind | null,
  proto: 'ws' | 'text' | 'frame',
  conns: number,
  binary: boolean,
  options: Record<string, unknown>,
): Promise<Side> {
  const server = spawnChild('proc/load-server.js');
  const client = spawnChild('proc/client.js');
  const { port } = await server.call<{ port: number }>({ cmd: 'listen', ws: proto === 'ws' });
  await client.call({
    cmd: 'open',
    mode,
    proto,
    port,
    n: conns,
    binary,
    options: mode === 'ours' ? (options.ours ?? {}) : (options.raw ?? {}),
  });
  void kind;
  return { server, client };
}

async function inboundRound(s: Side, kind: Kind, perConn: number, conns: number): Promise<Measure> {
  await s.client.call({ cmd: 'arm', total: perConn * conns });
  await s.server.call({ cmd: 'blast', kind, perConn });
  return s.client.call<Measure>({ cmd: 'result' });
}

async function outboundRound(s: Side, size: number, binary: boolean, perConn: number): Promise<Measure> {
  await s.server.call({ cmd: 'sink', bytesPerConn: perConn * clientFrameLength(size) });
  return s.client.call<Measure>({ cmd: 'send', count: perConn, size, binary });
}

async function close(...sides: Side[]): Promise<void> {
  for (const s of sides) await Promise.all([s.client.kill(), s.server.kill()]);
}

function rowsFor(
  name: string,
  r: { ours: Measure[]; baseline: Measure[] },
  target: number,
  note?: string,
): void {
  const perCpu = (m: Measure) => m.msgs / (m.cpuMs / 1000);
  const perWall = (m: Measure) => m.msgs / (m.wallMs / 1000);
  report(
    `${name}, per client CPU-s`,
    'msgs/s',
    r.ours.map(perCpu),
    r.baseline.map(perCpu),
    atLeast(target),
    CMD,
    note,
  );
  report(`${name}, wall`, 'msgs/s', r.ours.map(perWall), r.baseline.map(perWall), atLeast(target), CMD, note);
}

/**
 * Messages per round, so that a round costs the client ~0.2-0.7 CPU-s on this machine (shorter rounds
 * are at the mercy of CPU-time accounting granularity). Outbound is ~10x dearer per message (a write each).
 */
function perRound(kind: Kind, direction: 'in' | 'out' = 'in'): number {
  const big = KINDS[kind].bytes >= 16384;
  const base = direction === 'in' ? (big ? 60_000 : 1_500_000) : big ? 10_000 : 100_000;
  return Math.round(base * scale());
}

export async function inbound(
  kind: Kind,
  conns: number,
  options: Record<string, unknown> = {},
  target = 0.95,
  label = '',
): Promise<void> {
  const proto = isWsKind(kind) ? 'ws' : kind === 'line64' ? 'text' : 'frame';
  if (proto === 'ws' && KINDS[kind].bytes >= 16384) return inboundFresh(kind, conns, options, target, label);
  const ours = await side('ours', kind, proto, conns, false, options);
  const raw = await side('raw', kind, proto, conns, false, options);
  try {
    const perConn = Math.max(1, Math.round(perRound(kind) / conns));
    const r = await interleave(
      roundCount(),
      () => inboundRound(ours, kind, perConn, conns),
      () => inboundRound(raw, kind, perConn, conns),
    );
    const what = proto === 'ws' ? 'ws' : `${proto}://`;
    const base = proto === 'ws' ? 'raw ws' : 'raw net + inline framing';
    rowsFor(
      `inbound ${what} ${KINDS[kind].label}, ${conns} conn${conns > 1 ? 's' : ''} vs ${base}${label}`,
      r,
      target,
    );
  } finally {
    await close(ours, raw);
  }
}

/**
 * Inbound ws 16 KiB with fresh client and generator processes every round (one warm-up pass each, then the
 * measured one). At this size a client process's figure is set for its whole life by how its garbage
 * collector settles with 64 KiB read buffers and 16 KiB copies (GC 150-200 ms of 800-900 ms busy in a CPU
 * profile): one process of either side can be 1.5x faster than another for every round it runs, so
 * long-lived processes per side made a run's ratio a coin flip (0.37x..1.4x). Fresh processes make each
 * round's pair an independent draw, and the median of the ratios meaningful.
 */
async function inboundFresh(
  kind: Kind,
  conns: number,
  options: Record<string, unknown>,
  target: number,
  label: string,
): Promise<void> {
  const perConn = Math.max(1, Math.round(perRound(kind) / conns));
  const fresh = (mode: 'ours' | 'raw') => async (): Promise<Measure> => {
    const s = await side(mode, kind, 'ws', conns, false, options);
    try {
      await inboundRound(s, kind, perConn, conns);
      return await inboundRound(s, kind, perConn, conns);
    } finally {
      await close(s);
    }
  };
  const r = await interleave(roundCount(), fresh('ours'), fresh('raw'), false);
  const note = 'fresh client and generator processes every round';
  rowsFor(
    `inbound ws ${KINDS[kind].label}, ${conns} conn${conns > 1 ? 's' : ''} vs raw ws${label}`,
    r,
    target,
    note,
  );
}

/**
 * The same inbound row with the `ws` options a feed client would choose on both sides: no deflate offer,
 * the same maxPayload, and skipUTF8Validation (ours: the `skipUTF8Validation` option). Not part of the
 * full run. Run: node dist/bench/throughput.js inbound-variant bin16k 1
 */
export async function inboundVariant(kind: Kind, conns: number): Promise<void> {
  const options = {
    ours: { skipUTF8Validation: true },
    raw: { perMessageDeflate: false, maxPayload: 10 * 1024 * 1024, skipUTF8Validation: true },
  };
  await inbound(
    kind,
    conns,
    options,
    0.95,
    ' (both: no deflate offer, maxPayload 10 MiB, skipUTF8Validation)',
  );
}

export async function outbound(kind: Kind, conns: number): Promise<void> {
  const binary = kind === 'bin16k';
  const size = KINDS[kind].bytes;
  const ours = await side('ours', kind, 'ws', conns, binary, {});
  const raw = await side('raw', kind, 'ws', conns, binary, {});
  try {
    const perConn = Math.max(1, Math.round(perRound(kind, 'out') / conns));
    const r = await interleave(
      roundCount(),
      () => outboundRound(ours, size, binary, perConn),
      () => outboundRound(raw, size, binary, perConn),
    );
    rowsFor(
      `outbound ws send() ${KINDS[kind].label}, ${conns} conn${conns > 1 ? 's' : ''} vs raw ws send()`,
      r,
      0.95,
    );
  } finally {
    await close(ours, raw);
  }
}

export async function runThroughput(): Promise<void> {
  for (const kind of ['text64', 'bin16k'] as const) for (const conns of [1, 100]) await inbound(kind, conns);
  for (const kind of ['text64', 'bin16k'] as const) for (const conns of [1, 100]) await outbound(kind, conns);
  for (const kind of ['line64', 'frame64', 'frame16k'] as const) await inbound(kind, 1, {}, 0.9);
}

if (isMain(import.meta.url)) {
  const only = process.argv[2];
  if (only === 'inbound') await inbound((process.argv[3] ?? 'text64') as Kind, Number(process.argv[4] ?? 1));
  else if (only === 'inbound-variant')
    await inboundVariant((process.argv[3] ?? 'bin16k') as Kind, Number(process.argv[4] ?? 1));
  else if (only === 'outbound')
    await outbound((process.argv[3] ?? 'text64') as Kind, Number(process.argv[4] ?? 1));
  else await runThroughput();
}
