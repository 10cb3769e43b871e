// The long fuzz run: every property of test/fuzz/ for FUZZ_SECONDS each (default 60), many more runs than
// the bounded run in `npm test`. Prints the seed; replay a failure with FUZZ_SEED=<seed> npm run fuzz.
import {
  garbageStreamsEndCleanly,
  handshakeAnswersEndCleanly,
  streamsDecodeTheSame,
} from '../test/fuzz/client-properties.js';
import { lineReaderSplitsAlike, parseRequestNeverThrows } from '../test/fuzz/control-properties.js';
import { AsyncTcpConnection } from '../src/connection/index.js';

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const seconds = Number(process.env.FUZZ_SECONDS ?? 60);
console.log(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npm run fuzz), ${seconds} s per property`);
const run = { seed, numRuns: 1_000_000, timeLimitMs: seconds * 1000 };
const properties: [string, () => Promise<void> | void][] = [
  ['streams decode the same however split', () => streamsDecodeTheSame(run)],
  ['garbage streams end cleanly', () => garbageStreamsEndCleanly(run)],
  ['websocket handshake answers end cleanly', () => handshakeAnswersEndCleanly(run)],
  ['control line reader', () => lineReaderSplitsAlike(run)],
  ['control parseRequest', () => parseRequestNeverThrows(run)],
];
let failed = 0;
for (const [name, property] of properties) {
  const t0 = performance.now();
  try {
    await property();
    console.log(`ok   ${name} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
await AsyncTcpConnection.closeAll();
process.exit(failed ? 1 : 0);
