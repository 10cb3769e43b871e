// Plain padEnd tables for the CLI (as Workerman prints them), coloured only on a TTY without NO_COLOR.
// Colour is applied after padding, so escape codes never upset the column widths.
import * as util from 'node:util';

export type Colour = 'green' | 'red' | 'yellow' | 'gray' | 'cyan' | 'bold';

export interface Column<T> {
  title: string;
  value: (row: T) => string;
  /** Numbers read better right-aligned. */
  right?: boolean;
  colour?: (row: T) => Colour | null;
}

/** Colours on `stream`? Only on a TTY, and never when NO_COLOR is set to anything non-empty. */
export function wantsColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** `text` in `colour` (through util.styleText where this Node has it), or unchanged. */
export function paint(text: string, colour: Colour | null | undefined, enabled: boolean): string {
  const styleText = (util as { styleText?: (format: Colour, text: string) => string }).styleText;
  return enabled && colour && styleText ? styleText(colour, text) : text;
}

const GAP = '  ';

export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[], colour: boolean): string {
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[], colours: (Colour | null)[]) =>
    values
      .map((v, i) => {
        const padded = columns[i]!.right ? v.padStart(widths[i]!) : v.padEnd(widths[i]!);
        return paint(padded, colours[i], colour);
      })
      .join(GAP)
      .trimEnd();
  const header = line(
    columns.map((c) => c.title),
    columns.map(() => 'bold'),
  );
  const body = cells.map((values, r) => line(values, columns.map((c) => c.colour?.(rows[r]!) ?? null)));
  return [header, ...body].join('\n');
}

/** A title line like `------- GLOBAL STATUS -------` `width` characters wide. */
export function rule(title: string, width: number): string {
  if (!title) return '-'.repeat(width);
  const side = Math.max(3, width - title.length - 2);
  const left = Math.floor(side / 2);
  return `${'-'.repeat(left)} ${title} ${'-'.repeat(side - left)}`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(1)}${units[unit]}`;
}

/** 5s, 3m12s, 2h05m, 4d03h. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '-';
  const s = Math.floor(seconds);
  if (s < 60) return seconds < 10 ? `${Math.round(seconds * 10) / 10}s` : `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

export function formatNumber(value: number | null, suffix = ''): string {
  return value === null ? '-' : `${value}${suffix}`;
}
