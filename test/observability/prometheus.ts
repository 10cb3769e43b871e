// A strict little reader of the Prometheus text exposition format 0.0.4, for tests: throws on any line
// a Prometheus server would reject (bad names, labels, values, TYPE after samples, duplicate series).
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"\s*(,|$)/y;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheus(text: string): Sample[] {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline');
  const samples: Sample[] = [];
  const typed = new Map<string, string>();
  const seenSamples = new Set<string>();
  const seriesKeys = new Set<string>();
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, i) => {
      const where = `line ${i + 1}: ${line}`;
      if (line.trim() === '') return;
      if (line.startsWith('#')) {
        const parts = line.split(' ');
        if (parts[1] === 'HELP' || parts[1] === 'TYPE') {
          const name = parts[2] ?? '';
          if (!NAME.test(name)) throw new Error(`bad metric name in ${where}`);
          if (parts[1] === 'TYPE') {
            if (!TYPES.has(parts[3] ?? '') || parts.length !== 4) throw new Error(`bad TYPE in ${where}`);
            if (typed.has(name) || seenSamples.has(name))
              throw new Error(`TYPE repeated or after samples in ${where}`);
            typed.set(name, parts[3]!);
          }
        }
        return;
      }
      const m = SAMPLE.exec(line);
      if (!m) throw new Error(`not a sample: ${where}`);
      const [, name, labelText, rawValue] = m;
      const labels: Record<string, string> = {};
      if (labelText) {
        LABEL.lastIndex = 0;
        while (LABEL.lastIndex < labelText.length) {
          const lm = LABEL.exec(labelText);
          if (!lm) throw new Error(`bad labels in ${where}`);
          if (lm[1]! in labels) throw new Error(`duplicate label in ${where}`);
          labels[lm[1]!] = lm[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
        }
      }
      const value = rawValue === '+Inf' ? Infinity : rawValue === '-Inf' ? -Infinity : Number(rawValue);
      if (rawValue !== 'NaN' && Number.isNaN(value)) throw new Error(`bad value in ${where}`);
      const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
      if (seriesKeys.has(key)) throw new Error(`duplicate series in ${where}`);
      seriesKeys.add(key);
      seenSamples.add(name!);
      samples.push({ name: name!, labels, value });
    });
  return samples;
}
