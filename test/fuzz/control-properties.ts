// Fuzz properties for the control socket's request path (src/shared/control/protocol.ts): the line reader
// gives the same lines however the bytes are split (UTF-8 characters cut in half included) and stops at
// the first line over its limit; parseRequest never throws and lets through only well-formed requests.
import fc from 'fast-check';
import { lineReader, parseRequest } from '../../src/shared/control/protocol.js';
import type { FuzzRun } from './client-properties.js';

export function lineReaderSplitsAlike(run: FuzzRun): void {
  const max = 64;
  fc.assert(
    fc.property(
      fc.array(
        fc.string({ unit: 'grapheme', maxLength: 90 }).filter((s) => !s.includes('\n')),
        { maxLength: 20 },
      ),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 30 }),
      fc.boolean(),
      (lines, cuts, limited) => {
        const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
        const got: string[] = [];
        let tooLong = 0;
        const feed = lineReader(
          (l) => got.push(l),
          limited ? { maxBytes: max, onTooLong: () => tooLong++ } : undefined,
        );
        const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
        let from = 0;
        for (const p of [...points, bytes.length]) {
          if (p <= from) continue;
          feed(bytes.subarray(from, p));
          from = p;
        }
        const firstLong = limited ? lines.findIndex((l) => Buffer.byteLength(l) > max) : -1;
        const want = (firstLong === -1 ? lines : lines.slice(0, firstLong)).filter((l) => l.trim());
        if (JSON.stringify(got) !== JSON.stringify(want))
          throw new Error(`got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
        if (tooLong !== (firstLong === -1 ? 0 : 1)) throw new Error(`onTooLong called ${tooLong} times`);
      },
    ),
    { seed: run.seed, numRuns: run.numRuns, interruptAfterTimeLimit: run.timeLimitMs },
  );
}

/** Random text, random JSON and near-requests (odd ids, cmd and args of every type, prototype keys). */
export function parseRequestNeverThrows(run: FuzzRun): void {
  const near = fc
    .record(
      {
        id: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
        cmd: fc.oneof(
          fc.constantFrom('status', 'stop', 'reload', 'connections', 'constructor', 'toString', '__proto__'),
          fc.string(),
          fc.integer(),
          fc.constant(null),
          fc.object(),
        ),
        args: fc.oneof(fc.object(), fc.array(fc.anything()), fc.string(), fc.constant(null)),
      },
      { requiredKeys: [] },
    )
    .map((o) => JSON.stringify(o));
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), near, fc.constant('null'), fc.constant('[]')), (line) => {
      const r = parseRequest(line);
      if ('error' in r) {
        if (typeof r.error !== 'string' || !Number.isFinite(r.id))
          throw new Error(`bad refusal ${JSON.stringify(r)}`);
        return;
      }
      if (typeof r.cmd !== 'string' || !Number.isFinite(r.id))
        throw new Error(`bad request ${JSON.stringify(r)}`);
      if (r.args !== undefined && (typeof r.args !== 'object' || r.args === null || Array.isArray(r.args)))
        throw new Error(`bad args ${JSON.stringify(r)}`);
    }),
    { seed: run.seed, numRuns: run.numRuns, interruptAfterTimeLimit: run.timeLimitMs },
  );
}
