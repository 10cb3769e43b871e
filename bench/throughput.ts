// Message throughput of one client process, ours against the library underneath, in the same run:
// inbound ws (64 B text, 16 KiB binary; 1 and 100 connections), outbound ws send(), and text:// / frame://
// inbound against a raw net socket with the same framing inline. Figures per client CPU-second and per
// wall-clock second. Run: npm run bench:throughput
//
// "Raw ws" is `ws` as `npm i ws` installs it, without the optional native addon: its client process runs
// with WS_NO_BUFFER_UTIL=1 (and WS_NO_UTF_8_VALIDATE=1, moot on Node >= 18.14, where `ws` validates UTF-8
// with buffer.isUtf8), since `ws` would otherwise load the bufferutil that sits in node_modules as our
// optional dependency. Ours runs the way our package installs, addon included. The one-connection rows where
// the addon can matter (16 KiB inbound, both outbound) also print raw ws *with* bufferutil, measured in the
// same rounds, so that a reader sees what the addon alone is worth (docs/perf/frames.md).
import { spawnChild, type Child } from './lib/procs.js';
import { atLeast, interleave, isMain, report, roundCount, scale } from './lib/stats.js';
import { clientFrameLength, isWsKind, KINDS, type Kind } from './lib/wire.js';

interface Measure {
  wallMs: number;
  cpuMs: number;
  msgs: number;
}

const CMD = 'npm run bench:throughput';

/** Who the client process is: ours, raw `ws` without its addons (the baseline), raw `ws` with them. */
type Mode = 'ours' | 'raw' | 'raw-addons';
const NO_ADDONS = { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' };
const VS_RAW = 'raw ws (no addons)';
const VS_ADDONS = 'raw ws + bufferutil';

interface Side {
  server: Child;
  client: Child;
}

async function side(
  mode: Mode,
  kind: Kind | null,
  proto: 'ws' | 'text' | 'frame',
  conns: number,
  binary: boolean,
  options: Record<string, unknown>,
): Promise<Side> {
  const server = spawnChild('proc/load-server.js');
  const client = spawnChild('proc/client.js', [], undefined, mode === 'raw' ? NO_ADDONS : {});
  const { port } = await server.call<{ port: number }>({ cmd: 'listen', ws: proto === 'ws' });
  await client.call({
    cmd: 'open',
    mode: mode === 'ours' ? 'ours' : 'raw',
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

const perCpu = (m: Measure) => m.msgs / (m.cpuMs / 1000);
const perWall = (m: Measure) => m.msgs / (m.wallMs / 1000);

function rowsFor(
  name: string,
  r: { ours: Measure[]; baseline: Measure[] },
  target: number,
  note?: string,
): void {
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

/** The per-CPU-s row against raw ws with its addons (same rounds as the main row; no target of the issue). */
function addonsRow(name: string, ours: Measure[], addons: Measure[], note?: string): void {
  report(`${name}, per client CPU-s`, 'msgs/s', ours.map(perCpu), addons.map(perCpu), null, CMD, note);
}

/**
 * Paired rounds of ours, raw ws and (when given) raw ws with its addons, the order rotated every round,
 * after one untimed warm-up of each when `warmup`.
 */
async function rounds(
  n: number,
  ours: () => Promise<Measure>,
  raw: () => Promise<Measure>,
  addons: (() => Promise<Measure>) | null,
  warmup = true,
): Promise<{ ours: Measure[]; baseline: Measure[]; addons: Measure[] }> {
  if (addons === null) return { ...(await interleave(n, ours, raw, warmup)), addons: [] };
  const fns = [ours, raw, addons];
  const out: Measure[][] = [[], [], []];
  if (warmup) for (const f of fns) await f();
  for (let r = 0; r < n; r++) for (let i = 0; i < 3; i++) out[(r + i) % 3]!.push(await fns[(r + i) % 3]!());
  return { ours: out[0]!, baseline: out[1]!, addons: out[2]! };
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

/** The targets: 16 KiB ws frames >= 1.25x raw ws, 64 B ws rows >= 1.0x. */
const wsTarget = (kind: Kind) => (KINDS[kind].bytes >= 16384 ? 1.25 : 1.0);
const connsText = (conns: number) => `${conns} conn${conns > 1 ? 's' : ''}`;

export async function inbound(
  kind: Kind,
  conns: number,
  options: Record<string, unknown> = {},
  target = isWsKind(kind) ? wsTarget(kind) : 0.9,
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
    const base = proto === 'ws' ? VS_RAW : 'raw net + inline framing';
    rowsFor(`inbound ${what} ${KINDS[kind].label}, ${connsText(conns)} vs ${base}${label}`, r, target);
  } finally {
    await close(ours, raw);
  }
}

/**
 * Inbound ws 16 KiB with fresh client and generator processes every round (one warm-up pass each, then the
 * measured one). At this size a client process's figure is set for its whole life by how its garbage
 * collector settles with its read buffers and 16 KiB copies: one process of either side can be 1.5x faster
 * than another for every round it runs, so long-lived processes per side made a run's ratio a coin flip
 * (0.37x..1.4x). Fresh processes make each round's triple an independent draw, and the median meaningful.
 */
async function inboundFresh(
  kind: Kind,
  conns: number,
  options: Record<string, unknown>,
  target: number,
  label: string,
): Promise<void> {
  const perConn = Math.max(1, Math.round(perRound(kind) / conns));
  const fresh = (mode: Mode) => async (): Promise<Measure> => {
    const s = await side(mode, kind, 'ws', conns, false, options);
    try {
      await inboundRound(s, kind, perConn, conns);
      return await inboundRound(s, kind, perConn, conns);
    } finally {
      await close(s);
    }
  };
  const withAddons = label === '' && conns === 1; // one connection only, to keep the run short
  const r = await rounds(
    roundCount(),
    fresh('ours'),
    fresh('raw'),
    withAddons ? fresh('raw-addons') : null,
    false,
  );
  const note = 'fresh client and generator processes every round';
  const name = `inbound ws ${KINDS[kind].label}, ${connsText(conns)}`;
  rowsFor(`${name} vs ${VS_RAW}${label}`, r, target, note);
  if (withAddons) addonsRow(`${name} vs ${VS_ADDONS}`, r.ours, r.addons, note);
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
    isWsKind(kind) ? wsTarget(kind) : 0.9,
    ' (both: no deflate offer, maxPayload 10 MiB, skipUTF8Validation)',
  );
}

export async function outbound(kind: Kind, conns: number): Promise<void> {
  const binary = kind === 'bin16k';
  const size = KINDS[kind].bytes;
  const ours = await side('ours', kind, 'ws', conns, binary, {});
  const raw = await side('raw', kind, 'ws', conns, binary, {});
  // bufferutil masks every outbound frame of >= 48 B: raw ws with it too, one connection only (run time).
  const addons = conns === 1 ? await side('raw-addons', kind, 'ws', conns, binary, {}) : null;
  try {
    const perConn = Math.max(1, Math.round(perRound(kind, 'out') / conns));
    const r = await rounds(
      roundCount(),
      () => outboundRound(ours, size, binary, perConn),
      () => outboundRound(raw, size, binary, perConn),
      addons ? () => outboundRound(addons, size, binary, perConn) : null,
    );
    const name = `outbound ws send() ${KINDS[kind].label}, ${connsText(conns)}`;
    rowsFor(`${name} vs ${VS_RAW} send()`, r, wsTarget(kind));
    if (addons) addonsRow(`${name} vs ${VS_ADDONS} send()`, r.ours, r.addons);
  } finally {
    await close(ours, raw, ...(addons ? [addons] : []));
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
