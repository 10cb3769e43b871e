// Checking what a user sets on a client connection: the option keys of the constructor, and every option's
// type and range before each connect() (a bad value set after construction is caught there).
import { show } from '../shared/show.js';
import { ConfigError } from '../shared/config-error.js';
import { Ws } from './protocol/ws.js';
import { CALLBACKS, type ConnectionSettings } from './settings.js';

/** Options in seconds (fractions allowed, >= 0) and in bytes (whole numbers > 0). */
const SECONDS = [
  'websocketPingInterval',
  'connectTimeout',
  'handshakeTimeout',
  'pongTimeout',
  'idleTimeout',
  'closeTimeout',
] as const;
const BYTES = ['maxSendBufferSize', 'maxPackageSize'] as const;
/** Every key `new AsyncTcpConnection(url, options)` accepts (each is also a settable property). */
export const OPTION_KEYS: readonly string[] = [
  ...SECONDS,
  ...BYTES,
  'skipUTF8Validation',
  'websocketType',
  'headers',
  'reconnect',
  'tls',
  'proxy',
  'transport',
  ...CALLBACKS,
];
const POLICY_KEYS = ['initialDelay', 'maxDelay', 'factor', 'jitter', 'maxAttempts', 'resetAfter'];

/**
 * The options object of the constructor: an object whose keys are options (a typo such as `pingInterval`
 * would otherwise be ignored without a word, and `Object.assign` would let it overwrite internal state).
 * @throws ConfigError (a TypeError) naming the key.
 */
export function checkOptionKeys(options: unknown): void {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(`AsyncTcpConnection: options must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) {
      throw new ConfigError(
        `AsyncTcpConnection: unknown option "${key}" (options: ${OPTION_KEYS.join(', ')})`,
      );
    }
  }
}

/**
 * Option values, checked by the constructor and again by `connect()` (they are settable properties).
 * @throws ConfigError (a TypeError) naming the option and the value; nothing is changed.
 */
export function checkSettings(s: ConnectionSettings<unknown>): void {
  for (const key of SECONDS) {
    const v: unknown = s[key];
    if (typeof v !== 'number' || !(v >= 0) || v === Infinity) {
      throw new ConfigError(`AsyncTcpConnection: ${key} must be a number of seconds >= 0, got ${show(v)}`);
    }
  }
  for (const key of BYTES) {
    const v: unknown = s[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ConfigError(`AsyncTcpConnection: ${key} must be a whole number of bytes > 0, got ${show(v)}`);
    }
  }
  if (s.websocketType !== Ws.BINARY_TYPE_BLOB && s.websocketType !== Ws.BINARY_TYPE_ARRAYBUFFER) {
    throw new ConfigError(
      `AsyncTcpConnection: websocketType must be Ws.BINARY_TYPE_BLOB or Ws.BINARY_TYPE_ARRAYBUFFER, got ${show(s.websocketType)}`,
    );
  }
  if (typeof s.skipUTF8Validation !== 'boolean') {
    throw new ConfigError(
      `AsyncTcpConnection: skipUTF8Validation must be true or false, got ${show(s.skipUTF8Validation)}`,
    );
  }
  if (s.transport !== 'tcp' && s.transport !== 'tls') {
    throw new ConfigError(`AsyncTcpConnection: transport must be 'tcp' or 'tls', got ${show(s.transport)}`);
  }
  for (const key of CALLBACKS) {
    const v: unknown = s[key];
    if (v !== null && v !== undefined && typeof v !== 'function') {
      throw new ConfigError(`AsyncTcpConnection: ${key} must be a function or null, got ${show(v)}`);
    }
  }
  checkPolicy(s.reconnect);
}

function checkPolicy(policy: unknown): void {
  if (policy === null || policy === undefined || policy === true || policy === false) return;
  if (typeof policy !== 'object' || Array.isArray(policy)) {
    throw new ConfigError(
      `AsyncTcpConnection: reconnect must be true, null or a policy object, got ${show(policy)}`,
    );
  }
  const p = policy as Record<string, unknown>;
  for (const key of Object.keys(p)) {
    if (!POLICY_KEYS.includes(key)) {
      throw new ConfigError(
        `AsyncTcpConnection: unknown reconnect option "${key}" (options: ${POLICY_KEYS.join(', ')})`,
      );
    }
  }
  for (const key of ['initialDelay', 'maxDelay', 'resetAfter'] as const) {
    const v = p[key];
    if (v !== undefined && (typeof v !== 'number' || !(v >= 0) || v === Infinity)) {
      throw new ConfigError(
        `AsyncTcpConnection: reconnect.${key} must be a number of seconds >= 0, got ${show(v)}`,
      );
    }
  }
  if (p.factor !== undefined && (typeof p.factor !== 'number' || !(p.factor >= 1) || p.factor === Infinity)) {
    throw new ConfigError(
      `AsyncTcpConnection: reconnect.factor must be a number >= 1, got ${show(p.factor)}`,
    );
  }
  if (
    p.maxAttempts !== undefined &&
    (typeof p.maxAttempts !== 'number' ||
      !(p.maxAttempts >= 0) ||
      (!Number.isInteger(p.maxAttempts) && p.maxAttempts !== Infinity))
  ) {
    throw new ConfigError(
      `AsyncTcpConnection: reconnect.maxAttempts must be a whole number >= 0 or Infinity, got ${show(p.maxAttempts)}`,
    );
  }
  if (p.jitter !== undefined && p.jitter !== 'full' && p.jitter !== 'none') {
    throw new ConfigError(
      `AsyncTcpConnection: reconnect.jitter must be 'full' or 'none', got ${show(p.jitter)}`,
    );
  }
}
