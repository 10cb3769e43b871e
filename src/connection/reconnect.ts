// The reconnect decision when a connection closes: a pure function of what the user asked for and the
// policy, so it is tested without sockets (test/connection/reconnect-decision.test.ts). The facade makes
// it before onClose, so onClose sees state 'reconnecting', nextRetryAt and reconnectAttempts.
import { reconnectDelay, resolvePolicy, type ReconnectPolicy } from './backoff.js';

export interface CloseFacts {
  /** A reConnect(delay) asked for before this close, or null. */
  requestedDelay: number | null;
  /** `conn.reconnect`: null/false/undefined when off. */
  policy: ReconnectPolicy | true | null | undefined | false;
  /** close() or destroy() by the user: no automatic reconnect. */
  userClosed: boolean;
  /** Consecutive attempts so far. */
  attempts: number;
  /** Seconds the connection was open (0 if it never opened). */
  openFor: number;
}

export interface ReconnectDecision {
  /** Seconds until the next attempt, or null: stay closed. */
  delay: number | null;
  /** The attempt count the delay was drawn for (reset after a long enough open). */
  attempts: number;
}

/** Reconnect after `delay` seconds, or stay closed (`delay` null). */
export function decideReconnect(facts: CloseFacts, random: () => number = Math.random): ReconnectDecision {
  const policy =
    facts.policy === null || facts.policy === undefined || facts.policy === false
      ? null
      : resolvePolicy(facts.policy);
  const attempts = facts.openFor >= (policy?.resetAfter ?? 30) ? 0 : facts.attempts;
  if (facts.requestedDelay !== null) return { delay: facts.requestedDelay, attempts };
  if (policy === null || facts.userClosed || attempts >= policy.maxAttempts) return { delay: null, attempts };
  return { delay: reconnectDelay(policy, attempts, random), attempts };
}
