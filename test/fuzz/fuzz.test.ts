// A bounded fuzz run (a few seconds; the long run is `npm run fuzz`). The seed is printed: replay a failure
// with FUZZ_SEED=<seed> node scripts/test.mjs fuzz/.
import { test } from 'node:test';
import {
  garbageStreamsEndCleanly,
  handshakeAnswersEndCleanly,
  streamsDecodeTheSame,
} from './client-properties.js';
import { lineReaderSplitsAlike, parseRequestNeverThrows } from './control-properties.js';
import { AsyncTcpConnection } from '../../src/connection/index.js';

const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
console.log(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed} node scripts/test.mjs fuzz/)`);
const run = { seed, numRuns: 40, timeLimitMs: 8000 };

test(
  'fuzz: text, frame and a user protocol decode to the same messages however split',
  { timeout: 30_000 },
  () => streamsDecodeTheSame(run),
);
test(
  'fuzz: random bytes on text, frame and a user protocol end in one clear error or none, then onClose',
  {
    timeout: 30_000,
  },
  () => garbageStreamsEndCleanly(run),
);
test(
  'fuzz: random websocket handshake answers end in one clear error, then onClose',
  { timeout: 30_000 },
  () => handshakeAnswersEndCleanly(run),
);
test('fuzz: the control line reader splits alike and stops at its limit', () =>
  lineReaderSplitsAlike({ ...run, numRuns: 300 }));
test('fuzz: parseRequest never throws and passes only well-formed requests', () =>
  parseRequestNeverThrows({ ...run, numRuns: 1000 }));
test.after(() => AsyncTcpConnection.closeAll());
