// The public API of workerman-ts, and nothing else.
import './primary.js';

export * from './connection/index.js';
export { Worker, type WorkerOptions, type WorkerCallback, type WorkerExitCallback } from './worker/Worker.js';
export type { ListenOptions } from './worker/listen-options.js';
export { Timer } from './worker/Timer.js';
export { Channel, type ChannelHandler, type ChannelSender } from './worker/Channel.js';
export {
  Runtime,
  type RuntimeOptions,
  type RuntimeEvents,
  type SlotSnapshot,
  type SpareSnapshot,
} from './master/runtime.js';
export { RuntimeStartError } from './master/errors.js';
export { ConfigError, CONFIG_ERROR_CODE, isConfigError } from './shared/config-error.js';
export type {
  StatusReport,
  MasterStatus,
  WorkerStatus,
  DefinitionStatus,
  SpareStatus,
  ProcessState,
  ConnectionsReport,
  ConnectionStatus,
} from './master/status/report.js';
export type { ReloadResult } from './master/reload.js';
export type { ChannelRelayStats } from './master/channel-relay.js';
export type { SlotState } from './master/supervisor.js';
export { VERSION } from './version.js';
