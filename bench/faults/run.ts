// Faults under load, full size: 1,000 connections across 4 workers receiving sequence-numbered messages
// while the rig, in turn, SIGKILLs a worker, restarts the server, stalls it past the pong timeout, sends a
// burst past maxSendBufferSize, blocks a worker's event loop past its stop timeout (and reloads), and
// reloads. After each fault every slot and every connection must be back; at the end the ledger must show
// 0 lost and 0 duplicated messages in every connection lifetime. Run: npm run bench:faults
// (FAULTS_WORKERS, FAULTS_CONNS (per worker), FAULTS_INTERVAL_MS, FAULTS_SETTLE_MS, FAULTS_CYCLES override).
import { FAULTS, FaultRig, type FaultName, type FaultResult, type RigOptions } from './rig.js';
import type { LedgerSummary } from './ledger.js';
import { isMain } from '../lib/stats.js';
import { connectionBudget } from '../lib/limits.js';
import { sleep } from '../lib/procs.js';

const num = (name: string, fallback: number): number => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};

export function fullSize(log: (s: string) => void = console.log): RigOptions {
  const workers = num('FAULTS_WORKERS', 4);
  const wanted = num('FAULTS_CONNS', 250);
  const { n, note } = connectionBudget(wanted * workers * 2.2);
  if (note) log(`note: ${note}`);
  return {
    workers,
    conns: Math.floor(n / workers / 2.2),
    intervalMs: num('FAULTS_INTERVAL_MS', 40),
    pingS: 1,
    pongS: 3,
    stopTimeoutS: 3,
    burstPerWorker: 5,
    burstBytes: 8 << 20,
    burstSize: 64 << 10,
    sendBuffer: 1 << 20,
    recoverMs: num('FAULTS_RECOVER_MS', 120_000),
    log,
  };
}

export interface RunResult {
  options: Omit<RigOptions, 'log'>;
  faults: FaultResult[];
  ledger: LedgerSummary;
  seconds: number;
}

/** Start the rig, run every fault `cycles` times with `settleMs` of steady load between, stop, settle. */
export async function runFaults(
  o: RigOptions,
  settleMs: number,
  cycles = 1,
  list: readonly FaultName[] = FAULTS,
): Promise<RunResult> {
  const t0 = performance.now();
  const rig = new FaultRig(o);
  const faults: FaultResult[] = [];
  try {
    await rig.start();
    o.log(`${o.workers} workers x ${o.conns} connections open, one message each per ${o.intervalMs} ms`);
    for (let c = 0; c < cycles; c++) {
      for (const f of list) {
        await sleep(settleMs);
        const r = await rig.fault(f);
        faults.push(r);
        await rig.collect();
        const s = rig.ledger.sum;
        o.log(
          `${f}: ${r.detail}; ledger so far: ${s.lifetimes} lifetimes, ${s.written} written, lost ${s.lost}, dup ${s.duplicated}, gaps ${s.gaps}, up lost ${s.upLost}`,
        );
      }
    }
    await sleep(settleMs);
    await rig.stop();
  } catch (err) {
    await rig.kill();
    for (const m of rig.ledger.sum.mismatches) o.log(`  MISMATCH ${m}`);
    throw err;
  }
  const { log: _log, ...options } = o;
  return { options, faults, ledger: rig.ledger.sum, seconds: (performance.now() - t0) / 1000 };
}

export function printSummary(r: RunResult, log: (s: string) => void = console.log): void {
  const s = r.ledger;
  log(
    `\nfaults under load: ${r.options.workers} workers x ${r.options.conns} connections, ${r.faults.length} faults in ${r.seconds.toFixed(0)} s`,
  );
  for (const f of r.faults)
    log(`  ${f.fault.padEnd(15)} ${(f.recoveredMs / 1000).toFixed(1)} s  ${f.detail}`);
  log(
    `ledger: ${s.lifetimes} connection lifetimes compared, ${s.written} messages written, ${s.delivered} delivered, lost ${s.lost} (${s.afterClose} sent after the client had closed: not deliverable), duplicated ${s.duplicated}, gaps ${s.gaps}`,
  );
  log(
    `upstream: ${s.upAccepted} accepted by send(), ${s.upReceived} received, lost ${s.upLost}; ${s.sendDropped} send() calls dropped (buffer full)`,
  );
  log(
    `${s.diedWithProcess} lifetimes died with their SIGKILLed process (${s.diedWritten} messages written to them, not compared); server-only ${s.serverOnly}, client-only ${s.clientOnly}`,
  );
  log(`close codes ${JSON.stringify(s.closeCodes)}, last errors ${JSON.stringify(s.errorCodes)}`);
  for (const m of s.mismatches) log(`  MISMATCH ${m}`);
}

/** 0 lost, 0 duplicated, nothing unmatched. */
export function clean(s: LedgerSummary): boolean {
  return (
    s.lost === 0 &&
    s.duplicated === 0 &&
    s.gaps === 0 &&
    s.upLost === 0 &&
    s.serverOnly === 0 &&
    s.clientOnly === 0 &&
    s.mismatches.length === 0
  );
}

function faultName(name: string): FaultName {
  const known: readonly string[] = FAULTS;
  if (!known.includes(name))
    throw new Error(`FAULTS_LIST: unknown fault "${name}" (known: ${FAULTS.join(', ')})`);
  return name as FaultName;
}

if (isMain(import.meta.url)) {
  const o = fullSize();
  const list = process.env.FAULTS_LIST ? process.env.FAULTS_LIST.split(',').map(faultName) : FAULTS;
  const r = await runFaults(o, num('FAULTS_SETTLE_MS', 3000), num('FAULTS_CYCLES', 1), list);
  printSummary(r);
  if (process.env.FAULTS_JSON) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(process.env.FAULTS_JSON, JSON.stringify(r, null, 2));
  }
  process.exit(clean(r.ledger) ? 0 : 1);
}
