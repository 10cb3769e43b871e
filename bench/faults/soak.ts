// The soak: the faults-under-load rig kept running for SOAK_MINUTES (default 20), cycling through the faults,
// sampling RSS, heap and handle counts of every process every SOAK_SAMPLE_S seconds (default 5) into a CSV
// (SOAK_CSV, default /tmp/wmts-soak.csv). A reload replaces every worker, so reloads (and the blocked worker)
// come only every SOAK_RELOAD_EVERY-th cycle (default 3): in the other cycles workers #1.. live through
// restarts, stalls and bursts, which is where a leak over reconnect cycles would show. At the end: a table
// per process kind (start, every 5 minutes, end) and the ledger. Run: npm run bench:soak
// (sizes as bench/faults/run.ts: FAULTS_WORKERS, FAULTS_CONNS, FAULTS_INTERVAL_MS, FAULTS_SETTLE_MS).
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { FAULTS, FaultRig } from './rig.js';
import { clean, fullSize, printSummary } from './run.js';
import { sleep } from '../lib/procs.js';

const minutes = Number(process.env.SOAK_MINUTES ?? 20);
const sampleS = Number(process.env.SOAK_SAMPLE_S ?? 5);
const reloadEvery = Number(process.env.SOAK_RELOAD_EVERY ?? 3);
const settleMs = Number(process.env.FAULTS_SETTLE_MS ?? 3000);
const csv = process.env.SOAK_CSV ?? '/tmp/wmts-soak.csv';

interface Sample {
  t: number;
  kind: 'master' | 'server' | 'worker';
  pid: number;
  rss: number;
  heapUsed: number;
  handles: number;
  fds: number;
}

const samples: Sample[] = [];
const fdCount = (pid: number): number => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return -1;
  }
};

const o = fullSize();
const rig = new FaultRig(o);
let stalled = false;
const t0 = Date.now();

async function sample(): Promise<void> {
  const t = Math.round((Date.now() - t0) / 1000);
  const add = (s: Omit<Sample, 't' | 'fds'>): void => {
    const row = { t, ...s, fds: fdCount(s.pid) };
    samples.push(row);
    appendFileSync(
      csv,
      `${row.t},${row.kind},${row.pid},${row.rss},${row.heapUsed},${row.handles},${row.fds}\n`,
    );
  };
  const m = process.memoryUsage();
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;
  add({ kind: 'master', pid: process.pid, rss: m.rss, heapUsed: m.heapUsed, handles });
  if (!stalled) {
    try {
      add({ kind: 'server', ...(await rig.serverMemory()) });
    } catch {
      // restarting right now
    }
  }
  for (const pid of rig.rt?.pids ?? []) {
    const w = rig.samples.get(pid);
    if (w) add({ kind: 'worker', pid, rss: w.rss, heapUsed: w.heapUsed, handles: w.handles });
  }
}

/** Per kind, at start / every 5 min / end: the median over that kind's processes at the nearest sample. */
function table(): string {
  const times = [...new Set(samples.map((s) => s.t))].sort((a, b) => a - b);
  const end = times[times.length - 1] ?? 0;
  const marks = [times[0] ?? 0];
  for (let m = 300; m < end; m += 300) marks.push(times.find((t) => t >= m) ?? end);
  marks.push(end);
  const mb = (b: number): string => (b / 1048576).toFixed(1);
  const lines = [
    '| time | kind | processes | RSS MB (median, max) | heap MB (median, max) | handles (median, max) | fds (median, max) |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const at of [...new Set(marks)]) {
    for (const kind of ['master', 'server', 'worker'] as const) {
      // the nearest sample of this kind at or after `at` (the server may be mid-restart at `at`)
      const tk = times.find((t) => t >= at && samples.some((s) => s.t === t && s.kind === kind));
      if (tk === undefined) continue;
      const rows = samples.filter((s) => s.t === tk && s.kind === kind);
      const med = (f: (s: Sample) => number): number => {
        const v = rows.map(f).sort((a, b) => a - b);
        return v[Math.floor((v.length - 1) / 2)]!;
      };
      const max = (f: (s: Sample) => number): number => Math.max(...rows.map(f));
      lines.push(
        `| ${(tk / 60).toFixed(1)} min | ${kind} | ${rows.length} | ${mb(med((s) => s.rss))}, ${mb(max((s) => s.rss))} | ` +
          `${mb(med((s) => s.heapUsed))}, ${mb(max((s) => s.heapUsed))} | ${med((s) => s.handles)}, ${max((s) => s.handles)} | ` +
          `${med((s) => s.fds)}, ${max((s) => s.fds)} |`,
      );
    }
  }
  return lines.join('\n');
}

writeFileSync(csv, 't_s,kind,pid,rss,heap_used,handles,fds\n');
let cycles = 0;
let faults = 0;
try {
  await rig.start();
  console.log(
    `soak: ${minutes} min, ${o.workers} workers x ${o.conns} connections, one message per ${o.intervalMs} ms each, samples every ${sampleS} s to ${csv}`,
  );
  await sample();
  const sampler = setInterval(() => void sample(), sampleS * 1000);
  const until = t0 + minutes * 60_000;
  while (Date.now() < until) {
    cycles++;
    const withReload = cycles % reloadEvery === 0;
    for (const f of FAULTS) {
      if (!withReload && (f === 'reload' || f === 'block-worker')) continue;
      await sleep(settleMs);
      stalled = f === 'stall-server';
      const r = await rig.fault(f);
      stalled = false;
      faults++;
      await rig.collect();
      const s = rig.ledger.sum;
      console.log(
        `${((Date.now() - t0) / 60000).toFixed(1)} min cycle ${cycles} ${f}: ${(r.recoveredMs / 1000).toFixed(1)} s; ` +
          `ledger ${s.lifetimes} lifetimes, ${s.written} written, lost ${s.lost}, dup ${s.duplicated}, up lost ${s.upLost}`,
      );
      if (Date.now() >= until) break;
    }
  }
  await sleep(settleMs);
  await sample();
  clearInterval(sampler);
  await rig.stop();
} catch (err) {
  await rig.kill();
  for (const m of rig.ledger.sum.mismatches) console.log(`  MISMATCH ${m}`);
  console.log(table());
  throw err;
}
const { log: _log, ...options } = o;
printSummary({ options, faults: [], ledger: rig.ledger.sum, seconds: (Date.now() - t0) / 1000 });
console.log(`\nsoak: ${cycles} cycles, ${faults} faults in ${((Date.now() - t0) / 60000).toFixed(1)} min\n`);
console.log(table());
process.exit(clean(rig.ledger.sum) ? 0 : 1);
