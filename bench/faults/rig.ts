// The faults-under-load rig: a ledger server (its own process, bench/faults/ledger-server.ts), our Runtime
// running bench/faults/app-ledger.js in this process, a collector for the clients' lifetime reports, and
// the faults. Used by bench/faults/run.ts (full size), bench/faults/soak.ts (in a loop) and the bounded test
// (test/reliability/faults-under-load.test.ts).
import net from 'node:net';
import { Runtime } from '../../src/index.js';
import { benchFile, sleep, spawnChild, type Child } from '../lib/procs.js';
import { Ledger } from './ledger.js';
import type { ServerLife } from './ledger-server.js';
import type { ClientLife, ProcessSample } from './app-ledger.js';

export interface RigOptions {
  workers: number;
  /** Connections per worker. */
  conns: number;
  /** The server writes one message to every connection this often. */
  intervalMs: number;
  pingS: number;
  pongS: number;
  stopTimeoutS: number;
  /** Per worker, connections that burst; bytes each attempts; message size; maxSendBufferSize. */
  burstPerWorker: number;
  burstBytes: number;
  burstSize: number;
  sendBuffer: number;
  /** Time to recover from one fault before the run fails. */
  recoverMs: number;
  log: (line: string) => void;
}

export const FAULTS = [
  'sigkill-worker',
  'restart-server',
  'stall-server',
  'burst',
  'block-worker',
  'reload',
] as const;
export type FaultName = (typeof FAULTS)[number];

export interface FaultResult {
  fault: FaultName;
  /** From the fault to every slot ready and every connection open again (lifetimes with a hello). */
  recoveredMs: number;
  detail: string;
}

export class FaultRig {
  private server: Child | null = null;
  private serverPid = 0;
  port = 0;
  rt: Runtime | null = null;
  readonly ledger = new Ledger();
  readonly killed = new Set<number>();
  /** Latest sample per worker pid. */
  readonly samples = new Map<number, ProcessSample['m']>();
  private readonly collector: net.Server;
  private readonly exited = new Set<number>();

  constructor(readonly o: RigOptions) {
    this.collector = net.createServer((s) => {
      let buf = '';
      s.on('error', () => {});
      s.on('data', (c: Buffer) => {
        buf += c.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const r = JSON.parse(line) as ClientLife | ProcessSample;
          if ('m' in r) this.samples.set(r.m.pid, r.m);
          else this.ledger.addClient(r);
        }
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((r) => this.collector.listen(0, '127.0.0.1', r));
    await this.startServer(0);
    Object.assign(process.env, {
      LEDGER_PORT: String(this.port),
      LEDGER_COLLECTOR: String((this.collector.address() as net.AddressInfo).port),
      LEDGER_WORKERS: String(this.o.workers),
      LEDGER_CONNS: String(this.o.conns),
      LEDGER_PING: String(this.o.pingS),
      LEDGER_PONG: String(this.o.pongS),
      LEDGER_SEND_BUFFER: String(this.o.sendBuffer),
    });
    this.rt = await Runtime.start({
      script: benchFile('faults/app-ledger.js'),
      execArgv: [],
      stopTimeout: this.o.stopTimeoutS,
      readyTimeout: 120,
      logger: (m) => {
        const exit = /pid (\d+) exited: (.*)/.exec(m);
        if (exit) {
          this.exited.add(Number(exit[1]));
          if (/SIGKILL/.test(exit[2]!)) this.killed.add(Number(exit[1]));
        }
        if (process.env.FAULTS_DEBUG) this.o.log(`runtime: ${m}`);
      },
    });
    await this.waitRecovered('start');
  }

  private async startServer(port: number): Promise<void> {
    this.server = spawnChild('faults/ledger-server.js', [], []);
    const r = await this.server.call<{ port: number; pid: number }>({
      cmd: 'listen',
      port,
      intervalMs: this.o.intervalMs,
    });
    this.port = r.port;
    this.serverPid = r.pid;
  }

  get serverProcessPid(): number {
    return this.serverPid;
  }

  /** Pull the server's closed lifetimes into the ledger and compare what both sides have. */
  async collect(final = false): Promise<void> {
    if (this.server) {
      const { closed } = await this.server.call<{ closed: ServerLife[] }>({ cmd: 'ledger' });
      this.ledger.addServer(closed);
    }
    this.ledger.settle((pid) => this.exited.has(pid), this.killed, final);
  }

  async serverMemory(): Promise<{ pid: number; rss: number; heapUsed: number; handles: number }> {
    const m = await this.server!.call<{ rss: number; heapUsed: number; handles: number }>({ cmd: 'mem' });
    return { pid: this.serverPid, ...m };
  }

  /** Every slot ready with a live pid, and every one of its connections open on the server. */
  async waitRecovered(what: string, gone: number[] = [], since = 0): Promise<number> {
    const t0 = performance.now();
    const deadline = Date.now() + this.o.recoverMs;
    for (;;) {
      const slots = this.rt!.workers;
      const ready =
        slots.length === this.o.workers &&
        slots.every((s) => s.state === 'ready' && s.pid && !gone.includes(s.pid));
      if (ready) {
        const { byPid } = await this.server!.call<{ byPid: Record<number, number> }>({
          cmd: 'count',
          since,
        });
        if (slots.every((s) => (byPid[s.pid!] ?? 0) >= this.o.conns)) return performance.now() - t0;
      }
      if (Date.now() > deadline) {
        const now = await this.server!.call({ cmd: 'count', since });
        const all = await this.server!.call({ cmd: 'count' });
        const states: Record<string, number> = {};
        for (const c of (await this.rt!.connections()).connections)
          states[c.state] = (states[c.state] ?? 0) + 1;
        throw new Error(
          `${what}: not recovered within ${this.o.recoverMs} ms: slots ${JSON.stringify(slots.map((s) => [s.id, s.state, s.pid]))}, ` +
            `open on the server since the fault ${JSON.stringify(now)}, in all ${JSON.stringify(all)}, client states ${JSON.stringify(states)}`,
        );
      }
      await sleep(100);
    }
  }

  private livePid(slot: number): number {
    const pid = this.rt!.workers.find((s) => s.id === slot)?.pid;
    if (!pid) throw new Error(`slot ${slot} has no process`);
    return pid;
  }

  /** Run one fault, then wait until everything is back. */
  async fault(name: FaultName): Promise<FaultResult> {
    const t0 = performance.now();
    let detail = '';
    // What "back" means: no slot runs a process that should be gone, and (after a stall) every connection
    // has opened a new lifetime since the fault.
    let gone: number[] = [];
    let since = 0;
    switch (name) {
      case 'sigkill-worker': {
        const pid = this.livePid(0);
        this.killed.add(pid);
        gone = [pid];
        process.kill(pid, 'SIGKILL');
        detail = `SIGKILL worker #0 (pid ${pid})`;
        break;
      }
      case 'restart-server': {
        const { closed } = await this.server!.call<{ closed: ServerLife[] }>({ cmd: 'shutdown' }, 30_000);
        this.ledger.addServer(closed);
        await this.server!.kill();
        await this.startServer(this.port);
        detail = `graceful restart (1012) of the server, ${closed.length} lifetimes closed`;
        break;
      }
      case 'stall-server': {
        // The whole server process frozen: it reads nothing, answers no ping, writes nothing.
        const ms = Math.round((this.o.pongS + this.o.pingS) * 1000 + 3000);
        since = Date.now();
        const stopAt = performance.timeOrigin + performance.now();
        process.kill(this.serverPid, 'SIGSTOP');
        await sleep(ms);
        process.kill(this.serverPid, 'SIGCONT');
        if (process.env.FAULTS_DEBUG)
          this.o.log(
            `SIGSTOP at ${stopAt.toFixed(1)}, SIGCONT at ${(performance.timeOrigin + performance.now()).toFixed(1)}`,
          );
        detail = `server SIGSTOPped for ${ms} ms (pongTimeout ${this.o.pongS} s)`;
        break;
      }
      case 'burst': {
        const pids = this.rt!.workers.map((s) => s.pid!);
        const { keys } = await this.server!.call<{ keys: string[] }>({
          cmd: 'burst',
          pids,
          perPid: this.o.burstPerWorker,
          bytes: this.o.burstBytes,
          size: this.o.burstSize,
          pauseMs: 1000,
        });
        detail = `${keys.length} connections each sent ${this.o.burstBytes} bytes in ${this.o.burstSize}-byte messages (maxSendBufferSize ${this.o.sendBuffer}) to a server not reading for 1 s`;
        await sleep(2000);
        break;
      }
      case 'block-worker': {
        // Block one worker's event loop, then reload: its stop can only end in SIGKILL at the stop timeout.
        // The block lasts until then (bounded by recoverMs): however long the replacements take to be ready.
        const pid = this.livePid(1 % this.o.workers);
        const ms = this.o.recoverMs;
        gone = this.rt!.pids;
        await this.server!.call({ cmd: 'block', pid, ms });
        await sleep(200);
        const res = await this.rt!.reload();
        if (res.halted) throw new Error(`reload halted: ${res.halted.reason}`);
        const sigkilled = this.killed.has(pid);
        detail = `worker pid ${pid} blocked (event loop, until killed), reload (stopTimeout ${this.o.stopTimeoutS} s): replaced ${res.replaced.length}, the blocked one ${sigkilled ? 'SIGKILLed' : 'NOT SIGKILLed'}`;
        if (!sigkilled) throw new Error(detail);
        break;
      }
      case 'reload': {
        gone = this.rt!.pids;
        const res = await this.rt!.reload();
        if (res.halted) throw new Error(`reload halted: ${res.halted.reason}`);
        detail = `reload: replaced ${res.replaced.join(', ')}`;
        break;
      }
    }
    const after = await this.waitRecovered(name, gone, since);
    return {
      fault: name,
      recoveredMs: performance.now() - t0,
      detail: `${detail}; back ${Math.round(after)} ms after the fault ended`,
    };
  }

  async stop(): Promise<void> {
    await this.rt?.stop();
    this.rt = null;
    if (this.server) {
      // let the server see the last closes, then settle everything
      await sleep(300);
      await this.collect(true);
      await this.server.call({ cmd: 'shutdown' }, 30_000).catch(() => ({}));
      await this.server.kill();
      this.server = null;
    }
    await new Promise<void>((r) => this.collector.close(() => r()));
  }

  /** Best effort on failure: nothing may be left running. */
  async kill(): Promise<void> {
    try {
      this.rt?.kill();
      await this.rt?.stop();
    } catch {
      // already stopping
    }
    await this.server?.kill();
    this.collector.close();
  }
}
