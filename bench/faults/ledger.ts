// The run's ledger: what the server flushed on each accepted socket (ServerLife) against what the client
// delivered in that connection lifetime (ClientLife), matched by the lifetime's key. A lifetime whose
// client process was SIGKILLed cannot report: it is counted apart ("died with its process"; what was in
// flight died with it), never as a loss. Everything else must match exactly: delivered == written,
// no gap, no duplicate, and upstream: the server received exactly what send() accepted.
import type { ServerLife } from './ledger-server.js';
import type { ClientLife } from './app-ledger.js';

export interface LedgerSummary {
  /** Lifetimes seen by both sides and compared. */
  lifetimes: number;
  /** Messages the server flushed on those lifetimes, and what the clients delivered. */
  written: number;
  delivered: number;
  lost: number;
  /** Messages the server sent after the client had closed its end (not deliverable, not a loss). */
  afterClose: number;
  duplicated: number;
  /** Sequence numbers a client saw skipped (inside one lifetime). */
  gaps: number;
  /** Upstream: send() accepted, the server received, lost. */
  upAccepted: number;
  upReceived: number;
  upLost: number;
  /** send() calls that returned false (the burst past maxSendBufferSize). */
  sendDropped: number;
  /** Lifetimes that ended with their SIGKILLed process (not compared), and what the server wrote on them. */
  diedWithProcess: number;
  diedWritten: number;
  /** Lifetimes only one side knows of (a defect unless 0). */
  serverOnly: number;
  clientOnly: number;
  /** The first mismatches, for the report. */
  mismatches: string[];
  /** Close codes the clients saw, counted. */
  closeCodes: Record<string, number>;
  /** Last error codes of lifetimes, counted (9 = PONG_TIMEOUT ...). */
  errorCodes: Record<string, number>;
}

export function emptySummary(): LedgerSummary {
  return {
    lifetimes: 0,
    written: 0,
    delivered: 0,
    lost: 0,
    afterClose: 0,
    duplicated: 0,
    gaps: 0,
    upAccepted: 0,
    upReceived: 0,
    upLost: 0,
    sendDropped: 0,
    diedWithProcess: 0,
    diedWritten: 0,
    serverOnly: 0,
    clientOnly: 0,
    mismatches: [],
    closeCodes: {},
    errorCodes: {},
  };
}

const bump = (m: Record<string, number>, k: string | number | null): void => {
  m[String(k)] = (m[String(k)] ?? 0) + 1;
};

export class Ledger {
  private readonly server = new Map<string, ServerLife>();
  private readonly client = new Map<string, ClientLife>();
  readonly sum = emptySummary();

  addServer(list: ServerLife[]): void {
    for (const r of list) this.server.set(r.key, r);
  }

  addClient(r: ClientLife): void {
    if (this.client.has(r.k)) this.mismatch(`lifetime ${r.k} reported twice`);
    this.client.set(r.k, r);
  }

  private mismatch(text: string): void {
    if (this.sum.mismatches.length < 20) this.sum.mismatches.push(text);
  }

  /**
   * Compare every lifetime both sides reported. Unmatched server lifetimes of `dead` pids become
   * "died with process" when `killed` has the pid, else a defect; with `final` everything left is settled.
   */
  settle(dead: (pid: number) => boolean, killed: Set<number>, final = false): void {
    const s = this.sum;
    for (const [key, srv] of this.server) {
      const cli = this.client.get(key);
      if (!cli) {
        if (!final && !dead(srv.pid)) continue;
        if (killed.has(srv.pid)) {
          s.diedWithProcess++;
          s.diedWritten += srv.written;
        } else {
          s.serverOnly++;
          this.mismatch(`lifetime ${key}: the server wrote ${srv.written}, the client never reported`);
        }
        this.server.delete(key);
        continue;
      }
      this.server.delete(key);
      this.client.delete(key);
      s.lifetimes++;
      s.written += srv.written;
      s.delivered += cli.d;
      s.gaps += cli.g;
      s.duplicated += cli.u;
      let late = 0;
      while (late < srv.tail.length && srv.tail[late]! > cli.t) late++;
      s.afterClose += late;
      const lost = Math.max(0, srv.written - late - (cli.d - cli.u));
      s.lost += lost;
      s.upAccepted += cli.a;
      s.upReceived += srv.up;
      s.sendDropped += cli.sf;
      const upLost = Math.max(0, cli.a - srv.up) + srv.upGaps;
      s.upLost += upLost;
      s.duplicated += srv.upDups;
      bump(s.closeCodes, cli.c);
      if (cli.e) bump(s.errorCodes, cli.e);
      if (lost || cli.g || cli.u || upLost || srv.upDups || cli.d - cli.u > srv.written)
        this.mismatch(
          `lifetime ${key}: server wrote ${srv.written} (${late} after the client closed), client delivered ${cli.d} (gaps ${cli.g}, dups ${cli.u}); ` +
            `up: accepted ${cli.a}, received ${srv.up} (gaps ${srv.upGaps}, dups ${srv.upDups}); close ${cli.c}, error ${cli.e}; ` +
            `last writes ${srv.tail
              .slice(0, 3)
              .map((x) => (x - cli.t).toFixed(1))
              .join(', ')} ms from the client's close at ${cli.t.toFixed(1)}`,
        );
    }
    if (final) {
      for (const key of this.client.keys()) {
        s.clientOnly++;
        this.mismatch(`lifetime ${key}: the client reported it, the server never saw it`);
      }
      this.client.clear();
    }
  }

  get pendingServer(): number {
    return this.server.size;
  }
}
