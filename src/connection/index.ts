// Public surface of the connection layer (knows nothing about processes).
export { AsyncTcpConnection } from './AsyncTcpConnection.js';
export { Ws } from './protocol/ws.js';
export { ConnectionError, type ConnectionErrorCode, type ConnectionFault } from './errors.js';
export type { Protocol } from './protocol/Protocol.js';
export { RECONNECT_DEFAULTS, type ReconnectPolicy } from './backoff.js';
export type { HandshakeResponse, SendData } from './link.js';
export type {
  ConnectionInfo,
  ConnectionOptions,
  ConnectionState,
  ConnectionTotals,
  TlsOptions,
} from './types.js';
export { TcpConnection } from './server/TcpConnection.js';
export { HttpRequest } from './server/http-link.js';
export type { ServerTotals } from './server/registry.js';
export type {
  AcceptedConnectionInfo,
  AcceptedState,
  HttpResponse,
  PerMessageDeflateOptions,
  ServerCallbacks,
  ServerMessage,
  ServerSettings,
} from './server/types.js';
