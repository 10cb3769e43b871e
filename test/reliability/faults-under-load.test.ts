// Faults under load, bounded: the rig of bench/faults (real ledger server process, real Runtime with 2
// worker processes x 20 connections, real signals) through every fault in turn; after each one every slot
// and every connection must be back, and the ledger must show 0 lost and 0 duplicated messages in every
// connection lifetime. The full size (1,000 connections x 4 workers) is `npm run bench:faults`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clean, runFaults } from '../../bench/faults/run.js';
import { FAULTS } from '../../bench/faults/rig.js';

test(
  'faults under load: SIGKILL, server restart, stall, burst, blocked worker, reload: 0 lost, 0 duplicated',
  {
    timeout: 90_000,
  },
  async () => {
    const lines: string[] = [];
    const conns = 20;
    const r = await runFaults(
      {
        workers: 2,
        conns,
        intervalMs: 20,
        pingS: 0.3,
        pongS: 1,
        stopTimeoutS: 1,
        burstPerWorker: 2,
        burstBytes: 12 << 20,
        burstSize: 64 << 10,
        sendBuffer: 256 << 10,
        recoverMs: 30_000,
        log: (l) => lines.push(l),
      },
      500,
    );
    const s = r.ledger;
    const why = `\n${lines.join('\n')}\n${JSON.stringify(s, null, 1)}`;
    assert.deepEqual(
      r.faults.map((f) => f.fault),
      FAULTS,
    );
    assert.ok(clean(s), `ledger not clean:${why}`);
    assert.equal(s.lost, 0);
    assert.equal(s.duplicated, 0);
    // Every fault really happened to every connection it aims at:
    assert.ok((s.closeCodes['1012'] ?? 0) >= 2 * conns, `every connection saw the server restart${why}`);
    assert.ok((s.errorCodes['9'] ?? 0) >= 2 * conns, `every connection timed out in the stall${why}`);
    assert.ok(s.sendDropped > 0 && s.upAccepted > 0, `the burst went past maxSendBufferSize${why}`);
    assert.equal(s.upAccepted, s.upReceived);
    assert.ok(s.diedWithProcess >= 2 * conns, `two processes were SIGKILLed with their connections${why}`);
    assert.ok(s.lifetimes >= 6 * conns && s.written > 10_000, `enough traffic was compared${why}`);
  },
);
