// Rolling reload under load: 4 workers each holding 1,000 connections to a feed that ticks every 10 ms
// (issue 15: < 30 s with 0 gaps at that size).
// Make-before-break means every slot's replacement receives ticks before the old process stops, so the
// ticks a slot received (old process, then new) have no hole. Counted per slot (union of its connections)
// and per connection index. Run: npm run bench:reload-feed
import { spawnChild } from './lib/procs.js';
import { connectionBudget } from './lib/limits.js';
import { isMain, noMore, report, roundCount } from './lib/stats.js';
import type { TickReport } from './proc/feed-host.js';
import type { FeedStats } from './proc/tick-feed.js';

const TICK_MS = 10;

export async function runReloadFeed(
  workers = 4,
  wanted = Number(process.env.BENCH_FEED_CONNS ?? 1000),
  rounds = roundCount(),
): Promise<void> {
  const { n: total, note } = connectionBudget(wanted * workers * 1.25);
  const conns = Math.floor(total / workers / 1.25);
  if (note) console.log(`note: ${note}`);
  const feed = spawnChild('proc/tick-feed.js');
  const host = spawnChild('proc/feed-host.js', [], []);
  const reloads: number[] = [];
  try {
    const { port } = await feed.call<{ port: number }>({ cmd: 'listen' });
    // Ticks start once the first generation is up: only the hand-overs are measured. The default
    // reloadConcurrency (2) at every size; BENCH_RELOAD_CONCURRENCY overrides. The feed is
    // proc/tick-feed.ts, not the throughput generator: that one fanned a tick out in one callback and so
    // accepted ~15 connections/s under load (docs/perf/reload.md).
    const reloadConcurrency = Number(process.env.BENCH_RELOAD_CONCURRENCY ?? 2);
    console.log(
      `reload-feed: ${workers} workers x ${conns} connections, reloadConcurrency ${reloadConcurrency}`,
    );
    await host.call({ cmd: 'start', feedPort: port, conns, workers, reloadConcurrency }, 90_000);
    await feed.call({ cmd: 'tick', intervalMs: TICK_MS });
    const ticking = performance.now();
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
    const fed = await feed.call<FeedStats>({ cmd: 'stats' });
    const tickRate = fed.seq / ((performance.now() - ticking) / 1000);
    const { reports } = await host.call<{ reports: TickReport[] }>({ cmd: 'stop' }, 60_000);
    const { slotGaps, connGaps, jumps, transitions } = analyse(reports);
    // Every process reports at its stop (first generation + one per reload per slot): a hand-over without
    // both reports (a process killed at its stop timeout) is one nobody can vouch for, counted as a gap.
    const missing = workers * (rounds + 1) - reports.length;
    const unverified = workers * rounds - transitions;
    const CMD = `${conns === 1000 ? '' : `BENCH_FEED_CONNS=${conns} `}BENCH_ROUNDS=${rounds} npm run bench:reload-feed`;
    const label = `rolling reload, ${workers} workers x ${conns.toLocaleString('en')} connections, feed ticking every ${TICK_MS} ms`;
    // The issue's target is for its size (4 x 1,000); smaller runs report the time only.
    const target = workers === 4 && conns >= 1000 ? noMore(30_000, 'ms') : null;
    report(`${label}: reload time`, 'ms', reloads, null, target, CMD, note ?? undefined);
    report(
      `${label}: ticks the feed sent per second (100 = every 10 ms)`,
      'ticks/s',
      [tickRate],
      null,
      null,
      CMD,
      `${fed.fanouts.toLocaleString('en')} fan-outs, ${fed.behind.toLocaleString('en')} writes carried more than one tick`,
    );
    report(
      `${label}: slots with a gap > 2 ticks (of ${workers * rounds} slot hand-overs)`,
      'slots',
      [slotGaps.filter((g) => g > 2).length + unverified],
      null,
      noMore(0, 'slots'),
      CMD,
      missing > 0
        ? `${missing} process reports missing (killed at the stop timeout?): ${unverified} hand-overs unverified`
        : undefined,
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
