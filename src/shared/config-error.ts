// An error no retry can fix: a bad URL, an unknown scheme, a header with CR/LF, an option of the wrong type,
// a port already in use. Thrown from onWorkerStart, it fails the slot at once instead of restarting it.

/** The `code` of every ConfigError; also recognised on any error object (one that crossed a module copy). */
export const CONFIG_ERROR_CODE = 'ERR_WORKERMAN_CONFIG';

/**
 * A deterministic configuration error. A TypeError, so code that checks `instanceof TypeError` for a bad
 * option keeps working. Throw one yourself (or set `code: 'ERR_WORKERMAN_CONFIG'` on any error) for a
 * start-up problem that only a change of code or configuration can fix.
 */
export class ConfigError extends TypeError {
  override name = 'ConfigError';
  readonly code = CONFIG_ERROR_CODE;
}

/** A ConfigError, or any error carrying its code. */
export function isConfigError(err: unknown): boolean {
  return (
    err instanceof ConfigError ||
    (typeof err === 'object' && err !== null && (err as { code?: unknown }).code === CONFIG_ERROR_CODE)
  );
}
