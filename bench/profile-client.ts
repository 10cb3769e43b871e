// CPU profiles of the measured client for one inbound configuration, ours and raw, over the same messages:
// forks bench/proc/client.js with --cpu-prof, runs 5 rounds, prints msgs per client CPU-s per round and
// lets the client exit normally so that the profile is written. Not part of `npm run bench`.
// Run: node dist/bench/profile-client.js bin16k 1 [messages] [dir]  (profiles in <dir>/ours and <dir>/raw;
// dir defaults to $TMPDIR/workerman-ts-profiles)
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChild } from './lib/procs.js';
import { isWsKind, type Kind } from './lib/wire.js';

const kind = (process.argv[2] ?? 'bin16k') as Kind;
const conns = Number(process.argv[3] ?? 1);
const total = Number(process.argv[4] ?? 300_000);
const dir = process.argv[5] ?? join(tmpdir(), 'workerman-ts-profiles');
const proto = isWsKind(kind) ? 'ws' : kind === 'line64' ? 'text' : 'frame';
const perConn = Math.max(1, Math.round(total / 5 / conns));

for (const mode of ['ours', 'raw'] as const) {
  const server = spawnChild('proc/load-server.js');
  const client = spawnChild(
    'proc/client.js',
    [],
    ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}/${mode}`],
  );
  try {
    const { port } = await server.call<{ port: number }>({ cmd: 'listen', ws: proto === 'ws' });
    await client.call({ cmd: 'open', mode, proto, port, n: conns, binary: false, options: {} });
    const rounds: number[] = [];
    for (let r = 0; r < 5; r++) {
      await client.call({ cmd: 'arm', total: perConn * conns });
      await server.call({ cmd: 'blast', kind, perConn });
      const m = await client.call<{ msgs: number; cpuMs: number }>({ cmd: 'result' });
      rounds.push(Math.round(m.msgs / (m.cpuMs / 1000)));
    }
    console.log(`${mode}: msgs per client CPU-s by round ${rounds.join(', ')}; profile in ${dir}/${mode}`);
    await new Promise((resolve) => {
      client.proc.once('exit', resolve);
      client.proc.disconnect(); // the client exits on disconnect, which writes the profile
    });
  } finally {
    await server.kill();
  }
}
process.exit(0);
