// Reconnect delays: exponential growth, capped, with "full jitter" so that many connections that lost the same
// server do not come back in one synchronized storm (each draws its own random delay per attempt).

/** Automatic reconnect policy, all times in seconds. Opt-in: `conn.reconnect = { ... }` or `true` for defaults. */
export interface ReconnectPolicy {
  /** Delay cap for the first attempt. Default 1. */
  initialDelay?: number;
  /** Largest delay cap. Default 30. */
  maxDelay?: number;
  /** Growth of the cap per attempt. Default 2. */
  factor?: number;
  /** `'full'`: delay drawn uniformly from [0, cap) (default). `'none'`: delay = cap. */
  jitter?: 'full' | 'none';
  /** Give up after this many consecutive attempts (then the connection stays closed). Default Infinity. */
  maxAttempts?: number;
  /** A connection that stayed open this long resets the attempt count. Default 30. */
  resetAfter?: number;
}

/** The defaults of {@link ReconnectPolicy}. */
export const RECONNECT_DEFAULTS: Required<ReconnectPolicy> = {
  initialDelay: 1,
  maxDelay: 30,
  factor: 2,
  jitter: 'full',
  maxAttempts: Infinity,
  resetAfter: 30,
};

/** Fills the defaults into a user policy. */
export function resolvePolicy(p: ReconnectPolicy | true): Required<ReconnectPolicy> {
  return p === true ? { ...RECONNECT_DEFAULTS } : { ...RECONNECT_DEFAULTS, ...p };
}

/**
 * Delay in seconds before attempt number `attempt` (0 = the first retry).
 * @param random source of randomness in [0, 1), injectable for tests.
 */
export function reconnectDelay(
  p: Required<ReconnectPolicy>,
  attempt: number,
  random: () => number = Math.random,
): number {
  const cap = Math.min(p.maxDelay, p.initialDelay * Math.pow(p.factor, attempt));
  return p.jitter === 'full' ? random() * cap : cap;
}
