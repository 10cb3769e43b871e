import { pathToFileURL } from 'node:url';
// Rounds, median/min/max, ratios and the result rows every benchmark prints.

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  const median = n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
  return { median, min: s[0] ?? NaN, max: s[n - 1] ?? NaN, n };
}

/** One line of the results table. `better`: which direction is good for the ratio ours/baseline. */
export interface Row {
  name: string;
  unit: string;
  ours: Summary;
  baseline: Summary | null;
  /** Median of the per-round ratios ours/baseline (rounds are paired, so noise partly cancels). */
  ratio: Summary | null;
  target: string;
  held: boolean | null;
  command: string;
  note?: string;
}

export const rows: Row[] = [];

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)} k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function fmtSummary(s: Summary | null): string {
  if (s === null) return '-';
  return `${fmt(s.median)} (${fmt(s.min)}..${fmt(s.max)})`;
}

/** Record and print one row. `pairs`: per-round [ours, baseline] values. */
export function report(
  name: string,
  unit: string,
  ours: number[],
  baseline: number[] | null,
  /** Checked against the ratio when there is a baseline, unless `absolute` (then against our median). */
  target: { text: string; check: (ratioOrValue: number) => boolean; absolute?: boolean } | null,
  command: string,
  note?: string,
): Row {
  const ratios = baseline ? ours.map((o, i) => o / baseline[i]!) : null;
  const oursS = summarize(ours);
  const ratioS = ratios ? summarize(ratios) : null;
  const row: Row = {
    name,
    unit,
    ours: oursS,
    baseline: baseline ? summarize(baseline) : null,
    ratio: ratioS,
    target: target?.text ?? '-',
    held: target ? target.check(ratioS && !target.absolute ? ratioS.median : oursS.median) : null,
    command,
    ...(note ? { note } : {}),
  };
  rows.push(row);
  const ratioText = ratioS
    ? `  ratio ${ratioS.median.toFixed(3)}x (${ratioS.min.toFixed(2)}..${ratioS.max.toFixed(2)})`
    : '';
  const held = row.held === null ? '' : row.held ? '  HELD' : '  MISSED';
  console.log(
    `${name} [${unit}]: ours ${fmtSummary(oursS)}${baseline ? `  baseline ${fmtSummary(row.baseline)}` : ''}${ratioText}  target ${row.target}${held}${note ? `  (${note})` : ''}`,
  );
  return row;
}

export const atLeast = (x: number) => ({ text: `>= ${x}x`, check: (r: number) => r >= x });
export const atMost = (x: number) => ({ text: `<= ${x}x`, check: (r: number) => r <= x });
export const below = (x: number, unit: string) => ({
  text: `< ${x} ${unit}`,
  check: (v: number) => v < x,
  absolute: true,
});
export const noMore = (x: number, unit: string) => ({
  text: `<= ${x} ${unit}`,
  check: (v: number) => v <= x,
  absolute: true,
});

/** The rows as a markdown table (for docs/benchmarks.md). */
export function markdown(list: Row[] = rows): string {
  const lines = [
    '| benchmark | unit | ours median (min..max) | baseline median (min..max) | ratio median (min..max) | target | held | command |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of list) {
    const ratio = r.ratio
      ? `${r.ratio.median.toFixed(3)}x (${r.ratio.min.toFixed(2)}..${r.ratio.max.toFixed(2)})`
      : '-';
    const held = r.held === null ? '-' : r.held ? 'yes' : '**no**';
    lines.push(
      `| ${r.name}${r.note ? ` (${r.note})` : ''} | ${r.unit} | ${fmtSummary(r.ours)} | ${fmtSummary(r.baseline)} | ${ratio} | ${r.target} | ${held} | \`${r.command}\` |`,
    );
  }
  return lines.join('\n');
}

/** Number of rounds: BENCH_ROUNDS or 5 (the issue asks for a median of at least 5). */
export function roundCount(): number {
  const n = Number(process.env.BENCH_ROUNDS);
  return Number.isInteger(n) && n > 0 ? n : 5;
}

/** Scale factor for message counts (BENCH_SCALE, default 1): short validation runs use 0.1. */
export function scale(): number {
  const n = Number(process.env.BENCH_SCALE);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** Is this module the entry point (node dist/bench/x.js)? */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/**
 * Run `rounds` paired rounds, alternating which side goes first, after one untimed warm-up of each.
 * Returns the per-round results of both sides in round order.
 */
export async function interleave<T>(
  rounds: number,
  ours: () => Promise<T>,
  baseline: () => Promise<T>,
  warmup = true,
): Promise<{ ours: T[]; baseline: T[] }> {
  if (warmup) {
    await ours();
    await baseline();
  }
  const out = { ours: [] as T[], baseline: [] as T[] };
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      out.ours.push(await ours());
      out.baseline.push(await baseline());
    } else {
      out.baseline.push(await baseline());
      out.ours.push(await ours());
    }
  }
  return out;
}
