// The master's outward-facing observability: the control socket (status/connections for the CLI) and
// the opt-in metrics endpoint. Opened before the workers fork, closed after the last one exited.
import { ControlServer, controlHandlers, type ControlTarget } from '../control/server.js';
import { MetricsServer } from './metrics.js';
import type { StatusService } from './index.js';

export interface EndpointOptions {
  /** Open the control socket (the CLI's master does; an embedding host usually not). */
  controlSocket: boolean;
  /** `host:port` for /metrics, /healthz, /readyz; `''` = off. */
  metricsListen: string;
}

export class Endpoints {
  private control: ControlServer | null = null;
  private metrics: MetricsServer | null = null;
  /** The metrics endpoint's base URL once listening (e.g. `http://127.0.0.1:9464`), else null. */
  metricsUrl: string | null = null;

  constructor(
    private readonly service: StatusService,
    private readonly target: ControlTarget,
  ) {}

  async open(options: EndpointOptions): Promise<void> {
    this.service.start();
    try {
      if (options.controlSocket) {
        const control = new ControlServer(controlHandlers(this.target));
        await control.listen();
        this.control = control;
      }
      if (options.metricsListen) {
        const metrics = new MetricsServer(this.service);
        this.metricsUrl = await metrics.listen(options.metricsListen);
        this.metrics = metrics;
      }
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const control = this.control;
    const metrics = this.metrics;
    this.control = null;
    this.metrics = null;
    this.metricsUrl = null;
    await Promise.all([control?.close(), metrics?.close(), this.service.stop()]);
  }
}
