// The master's machinery in one import, loaded by the first Runtime.start() (runtime.ts). The package's
// entry exports Runtime, so every worker process and every CLI verb loads runtime.ts; none of them runs a
// runtime, and none of them should pay for the supervisor, the status service or the signal table.
export { ChannelRelay } from './channel-relay.js';
export { rollingReload } from './reload.js';
export { installSignals } from './signals.js';
export { killAll, stopWorkers } from './stop.js';
export { Endpoints } from './status/endpoints.js';
export { StatusService } from './status/index.js';
export { describeExit, Supervisor } from './supervisor.js';
export { HangWatch } from './hang-watch.js';
