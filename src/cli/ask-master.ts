// Ask the running master one thing over its control socket, in one round trip when the pid file is right
// (status, connections and reload use it).
import { controlRequest, nobodyListening } from '../shared/control/client.js';
import { isRunning, readPidFile } from '../shared/pidfile.js';
import { EXIT, requireMaster, type CliContext } from './common.js';

/** How long the CLI waits for the master; the master itself answers within its busy deadline. */
const REQUEST_TIMEOUT_MS = 3000;

/** A reply, or the exit code when there is none ("not running" or the request failed: already printed). */
export type Answer<T> = { ok: true; value: T } | { ok: false; exit: number };

/** Send `cmd` to the master of `context.script` over its control socket (parts of a streamed reply to `onPart`). */
export async function askMaster<T>(
  context: CliContext,
  cmd: string,
  args: Record<string, unknown> = {},
  onPart?: (part: unknown) => void,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<Answer<T>> {
  // The usual case in one round trip: the pid file names a live process and its control socket answers
  // (only our master listens on that path). Anything else goes through requireMaster's ping, which says
  // why there is no answer: nothing running, a stale pid file (removed), or a master that does not answer.
  const pid = readPidFile(context.config.pidFile);
  if (pid !== null && pid > 0 && pid !== process.pid && isRunning(pid)) {
    try {
      return { ok: true, value: await controlRequest<T>(pid, cmd, args, timeoutMs, onPart) };
    } catch (err) {
      if (!nobodyListening(err)) return failed(context, cmd, err);
    }
  }
  const master = await requireMaster(context);
  if (!master) return { ok: false, exit: EXIT.NOT_RUNNING };
  try {
    return { ok: true, value: await controlRequest<T>(master.pid, cmd, args, timeoutMs, onPart) };
  } catch (err) {
    return failed(context, cmd, err);
  }
}

function failed(context: CliContext, cmd: string, err: unknown): { ok: false; exit: number } {
  process.stderr.write(`workerman-ts[${context.scriptName}] ${cmd} failed: ${(err as Error).message}\n`);
  return { ok: false, exit: EXIT.FAILED };
}
