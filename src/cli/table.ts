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

/** Rows under a header, columns padded to their widest cell. Plain loops: `connections` renders 10,000 rows. */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[], colour: boolean): string {
  const widths = columns.map((c) => c.title.length);
  const cells = rows.map((row) => {
    const values = new Array<string>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const value = columns[i]!.value(row);
      values[i] = value;
      if (value.length > widths[i]!) widths[i] = value.length;
    }
    return values;
  });
  const line = (values: readonly string[], colourOf: (i: number) => Colour | null | undefined): string => {
    let text = '';
    for (let i = 0; i < values.length; i++) {
      const padded = columns[i]!.right ? values[i]!.padStart(widths[i]!) : values[i]!.padEnd(widths[i]!);
      text += (i === 0 ? '' : GAP) + (colour ? paint(padded, colourOf(i), true) : padded);
    }
    return text.trimEnd();
  };
  const lines = [
    line(
      columns.map((c) => c.title),
      () => 'bold',
    ),
  ];
  for (let r = 0; r < rows.length; r++) lines.push(line(cells[r]!, (i) => columns[i]!.colour?.(rows[r]!)));
  return lines.join('\n');
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
