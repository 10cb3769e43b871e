// A slot as the outside sees it (`rt.workers`, `ping`'s MasterInfo, the status document): a plain copy,
// so no caller can change the supervisor's table.
import type { Slot, SlotState } from './supervisor.js';

/** One slot as `rt.workers` shows it. */
export interface SlotSnapshot {
  name: string;
  id: number;
  pid: number | null;
  state: SlotState;
  restarts: number;
  startedAt: number | null;
  lastError: string | null;
}

export function snapshot(slot: Slot): SlotSnapshot {
  return {
    name: slot.definition.name,
    id: slot.id,
    pid: slot.process?.process.pid ?? null,
    state: slot.state,
    restarts: slot.restarts,
    startedAt: slot.startedAt || null,
    lastError: slot.lastError,
  };
}
