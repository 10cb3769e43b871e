// Rolling reload under load: 4 workers each holding 1,000 connections to a feed that ticks every 10 ms.
// Make-before-break means every slot's replacement receives ticks before the old process stops, so the
// ticks a slot received (old process, then new) have no hole. Counted per slot (union of its connections)
// and per connection index. Run: npm run bench:reload-feed
import { spawnChild } from './lib/procs.js';
import { connectionBudget } from './lib/limits.js';
import { isMain, noMore, report, roundCount } from './lib/stats.js';
import type { TickReport } from './proc/feed-host.js';

const CMD = 'npm run bench:reload-feed';
const TICK_MS = 10;

export async function runReloadFeed(
  workers = 4,
  wanted = Number(process.env.BENCH_FEED_CONNS ?? 1000),
  rounds = roundCount(),
): Promise<void> {
  const { n: total, note } = connectionBudget(wanted * workers * 1.25);
  const conns = Math.floor(total / workers / 1.25);
  if (note) console.log(`note: ${note}`);
  const feed = spawnChild('proc/load-server.js');
  const host = spawnChild('proc/feed-host.js', [], []);
  const reloads: number[] = [];
  try {
    const { port } = await feed.call<{ port: number }>({ cmd: 'listen', ws: true, backlog: 4096 });
    // Ticks start once the first generation is up: only the hand-overs are measured.
    // At the size (1,000 per worker) the feed alone keeps both cores busy here (400,000 frames/s):
    // two replacements opening 1,000 connections each at the same time need more than the 60 s a
    // replacement gets, and the roll halts. One at a time (each ~55 s) passes; the default (2) is run at
    // 250 per worker. BENCH_RELOAD_CONCURRENCY overrides.
    const reloadConcurrency = Number(process.env.BENCH_RELOAD_CONCURRENCY ?? (conns >= 1000 ? 1 : 2));
    console.log(
      `reload-feed: ${workers} workers x ${conns} connections, reloadConcurrency ${reloadConcurrency}`,
    );
    await host.call({ cmd: 'start', feedPort: port, conns, workers, reloadConcurrency }, 90_000);
    await feed.call({ cmd: 'tick', intervalMs: TICK_MS });
    for (let r = 0; r < rounds; r++) {
      await new Promise((res) => setTimeout(res, 300));
      const res = await host.call<{ ms: number; replaced: number; halted: string | null }>(
        { cmd: 'reload' },
        300_000,
      );
      if (res.halted) throw new Error(`reload halted: ${res.halted}`);
      reloads.push(res.ms);
    }
    await new Promise((res) => setTimeout(res, 300));
    const { reports } = await host.call<{ reports: TickReport[] }>({ cmd: 'stop' }, 60_000);
    const { slotGaps, connGaps, jumps, transitions } = analyse(reports);
    const label = `rolling reload, ${workers} workers x ${conns.toLocaleString('en')} connections, feed ticking every ${TICK_MS} ms`;
    report(`${label}: reload time`, 'ms', reloads, null, null, CMD, note ?? undefined);
    report(
      `${label}: slots with a gap > 2 ticks (of ${transitions} slot hand-overs)`,
      'slots',
      [slotGaps.filter((g) => g > 2).length],
      null,
      noMore(0, 'slots'),
      CMD,
    );
    report(
      `${label}: largest hole per slot hand-over (union of connections)`,
      'ticks',
      slotGaps,
      null,
      null,
      CMD,
    );
    report(
      `${label}: largest hole per connection index hand-over`,
      'ticks',
      connGaps,
      null,
      null,
      CMD,
      `ticks skipped inside a connection: ${jumps}`,
    );
  } finally {
    await Promise.all([host.kill(), feed.kill()]);
  }
}

/** Per slot, pair each process's report with the next one's (stop order = hand-over order). */
function analyse(reports: TickReport[]): {
  slotGaps: number[];
  connGaps: number[];
  jumps: number;
  transitions: number;
} {
  const bySlot = new Map<number, TickReport[]>();
  for (const r of reports) bySlot.set(r.id, [...(bySlot.get(r.id) ?? []), r]);
  const slotGaps: number[] = [];
  const connGaps: number[] = [];
  let jumps = 0;
  for (const list of bySlot.values()) {
    for (const r of list) jumps += r.jumps;
    for (let k = 0; k + 1 < list.length; k++) {
      const old = list[k]!;
      const next = list[k + 1]!;
      const oldLast = Math.max(...old.last);
      const nextFirst = Math.min(...next.first.filter((x) => x >= 0));
      slotGaps.push(Math.max(0, nextFirst - oldLast - 1));
      let worst = 0;
      for (let i = 0; i < old.last.length; i++)
        worst = Math.max(worst, (next.first[i] ?? 0) - (old.last[i] ?? 0) - 1);
      connGaps.push(worst);
    }
  }
  return { slotGaps, connGaps, jumps, transitions: slotGaps.length };
}

if (isMain(import.meta.url)) await runReloadFeed();
