// A client connection's cold state: what closes, faults, reconnects and pings leave behind. One object per
// connection, made by the first write of a value other than its default; until then the fields read as
// their defaults. 10,000 idle connections that never closed keep none of it (~100 B each; docs/perf/lean.md).
import type { ConnectionFault } from './errors.js';

const DEFAULTS = {
  _reconnectAttempts: 0,
  _nextRetryAt: null as number | null,
  _closeCode: null as number | null,
  _closeReason: '',
  _lastError: null as ConnectionFault | null,
  bytesInDone: 0,
  bytesOutDone: 0,
  countedIn: 0,
  countedOut: 0,
  alive: 0,
  inFinalOnClose: false,
  reconnectAfterClose: null as number | null,
  reconnectTimer: null as NodeJS.Timeout | null,
};

export type Past = typeof DEFAULTS;
type Field = keyof Past;

/** Defines each field of `Past` on `proto` as an accessor over the object's `past` (null until needed). */
export function definePast(proto: object): void {
  for (const name of Object.keys(DEFAULTS) as Field[]) {
    const none = DEFAULTS[name];
    Object.defineProperty(proto, name, {
      get(this: { past: Past | null }) {
        return this.past === null ? none : this.past[name];
      },
      set(this: { past: Past | null }, value: never) {
        if (this.past === null) {
          if (value === none) return;
          this.past = { ...DEFAULTS };
        }
        this.past[name] = value;
      },
    });
  }
}
