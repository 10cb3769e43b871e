// The top self-time functions of a V8 .cpuprofile (node --cpu-prof), as the table docs/perf/*.md quote.
// Run: node dist/bench/profile-top.js <file.cpuprofile> [n]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isMain } from './lib/stats.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function (name, file, line), the idle time left out of the percentages. */
export function topSelf(file: string, n = 15): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const cf = byId.get(p.samples[i]!)!.callFrame;
    const where = cf.url === '' ? '' : ` ${basename(cf.url)}:${cf.lineNumber + 1}`;
    const key = `${cf.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const idle = self.get('(idle)') ?? 0;
  self.delete('(idle)');
  const busy = [...self.values()].reduce((a, b) => a + b, 0);
  const lines = [`busy ${(busy / 1000).toFixed(0)} ms (idle ${(idle / 1000).toFixed(0)} ms left out)`];
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, n))
    lines.push(`${(v / 1000).toFixed(1).padStart(8)} ms ${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`);
  return lines.join('\n');
}

if (isMain(import.meta.url)) console.log(topSelf(process.argv[2]!, Number(process.argv[3] ?? 15)));
