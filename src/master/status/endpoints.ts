// The master's outward-facing observability: the status sampler and the opt-in metrics endpoint.
// Opened before the workers fork, closed after the last one exited. (The CLI's master answers
// status/connections on its control socket: control/commands.ts.)
import { MetricsServer } from './metrics.js';
import type { StatusService } from './index.js';

export class Endpoints {
  private metrics: MetricsServer | null = null;
  /** The metrics endpoint's base URL once listening (e.g. `http://127.0.0.1:9464`), else null. */
  metricsUrl: string | null = null;

  constructor(private readonly service: StatusService) {}

  /** Start sampling; listen for metrics on `metricsListen` (`host:port`, `''` = off). */
  async open(metricsListen: string): Promise<void> {
    this.service.start();
    try {
      if (metricsListen) {
        const metrics = new MetricsServer(this.service);
        this.metricsUrl = await metrics.listen(metricsListen);
        this.metrics = metrics;
      }
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  async close(): Promise<void> {
    const metrics = this.metrics;
    this.metrics = null;
    this.metricsUrl = null;
    await Promise.all([metrics?.close(), this.service.stop()]);
  }
}
