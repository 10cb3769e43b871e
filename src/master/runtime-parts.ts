// The parts of a Runtime, made from the engine and wired to each other once: the supervisor (slot table and
// spares), its announcer (log lines, public events), the Channel relay, the status service and its HTTP
// endpoints, and the hang watch. Runtime (runtime.ts) is the public object in front of them.
import type { EventEmitter } from 'node:events';
import { RESTART_POLICY, type RuntimeSettings } from '../shared/config.js';
import type { Worker } from '../worker/Worker.js';
import type { ChannelRelay } from './channel-relay.js';
import { engine } from './engine-loader.js';
import type { HangWatch } from './hang-watch.js';
import type { RuntimeEvents } from './runtime-types.js';
import type { LaunchOptions } from './runtime-launch.js';
import type { Endpoints } from './status/endpoints.js';
import type { StatusService } from './status/index.js';
import type { Supervisor, WorkerDefinition } from './supervisor.js';

export interface RuntimeParts {
  supervisor: Supervisor;
  channel: ChannelRelay;
  statusService: StatusService;
  endpoints: Endpoints;
  hangWatch: HangWatch;
}

export interface PartsContext {
  events: EventEmitter<RuntimeEvents>;
  definitions: readonly Worker[];
  masterDefinitions: readonly WorkerDefinition[];
  options: LaunchOptions;
  settings: RuntimeSettings;
  startedAt: number;
  /** The path status shows: the script, or the module of the module form. */
  shownScript: string;
  stop: () => void;
  log: (message: string) => void;
}

export function makeParts(context: PartsContext): RuntimeParts {
  const { options, settings } = context;
  const parts = engine();
  const supervisor = new parts.Supervisor(context.masterDefinitions, {
    script: options.script ?? '',
    ...(options.env ? { env: options.env } : {}),
    execArgv: options.execArgv ?? process.execArgv,
    ...RESTART_POLICY,
  });
  parts.announce(supervisor, {
    events: context.events,
    definitions: context.definitions,
    stop: context.stop,
  });
  const channel = new parts.ChannelRelay().attach(supervisor);
  const statusService = new parts.StatusService(
    supervisor,
    { script: context.shownScript, startedAt: context.startedAt },
    { busyAfterMs: settings.busyAfterMs },
  );
  const endpoints = new parts.Endpoints(statusService);
  const hangWatch = new parts.HangWatch(supervisor, {
    hangTimeoutMs: settings.hangTimeout * 1000,
    log: context.log,
  });
  return { supervisor, channel, statusService, endpoints, hangWatch };
}
