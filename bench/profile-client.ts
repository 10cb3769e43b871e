// CPU profiles of the measured client for one configuration, ours and raw ws, over the same messages:
// forks bench/proc/client.js with --cpu-prof, runs 5 rounds, prints msgs per client CPU-s per round, lets
// the client exit normally so that the profile is written, and prints its top self-time functions
// (bench/profile-top.ts). Raw ws runs without its addon, as in bench/throughput.ts. Not part of `npm run bench`.
// Run: node dist/bench/profile-client.js bin16k 1 [messages] [dir] [in|out]  (profiles in <dir>/ours and
// <dir>/raw; dir defaults to $TMPDIR/workerman-ts-profiles)
import { readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChild } from './lib/procs.js';
import { clientFrameLength, isWsKind, KINDS, type Kind } from './lib/wire.js';
import { topSelf } from './profile-top.js';

const kind = (process.argv[2] ?? 'bin16k') as Kind;
const conns = Number(process.argv[3] ?? 1);
const total = Number(process.argv[4] ?? 300_000);
const dir = process.argv[5] ?? join(tmpdir(), 'workerman-ts-profiles');
const direction = process.argv[6] === 'out' ? 'out' : 'in';
const proto = isWsKind(kind) ? 'ws' : kind === 'line64' ? 'text' : 'frame';
const perConn = Math.max(1, Math.round(total / 5 / conns));
const binary = kind === 'bin16k';

for (const mode of ['ours', 'raw'] as const) {
  const out = join(dir, mode);
  rmSync(out, { recursive: true, force: true });
  const server = spawnChild('proc/load-server.js');
  const client = spawnChild(
    'proc/client.js',
    [],
    ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${out}`],
    mode === 'raw' ? { WS_NO_BUFFER_UTIL: '1', WS_NO_UTF_8_VALIDATE: '1' } : {},
  );
  try {
    const { port } = await server.call<{ port: number }>({ cmd: 'listen', ws: proto === 'ws' });
    await client.call({ cmd: 'open', mode, proto, port, n: conns, binary, options: {} });
    const rounds: number[] = [];
    for (let r = 0; r < 5; r++) {
      let m: { msgs: number; cpuMs: number };
      if (direction === 'in') {
        await client.call({ cmd: 'arm', total: perConn * conns });
        await server.call({ cmd: 'blast', kind, perConn });
        m = await client.call<{ msgs: number; cpuMs: number }>({ cmd: 'result' });
      } else {
        const size = KINDS[kind].bytes;
        await server.call({ cmd: 'sink', bytesPerConn: perConn * clientFrameLength(size) });
        m = await client.call<{ msgs: number; cpuMs: number }>({ cmd: 'send', count: perConn, size, binary });
      }
      rounds.push(Math.round(m.msgs / (m.cpuMs / 1000)));
    }
    console.log(`${mode}: msgs per client CPU-s by round ${rounds.join(', ')}; profile in ${out}`);
    await new Promise((resolve) => {
      client.proc.once('exit', resolve);
      client.proc.disconnect(); // the client exits on disconnect, which writes the profile
    });
    const file = readdirSync(out).find((f) => f.endsWith('.cpuprofile'));
    if (file) console.log(topSelf(join(out, file), 12));
  } finally {
    await server.kill();
  }
}
process.exit(0);
