// `status` and `connections` until the observability verbs land: find the master and ask its control
// socket. When the master has no such command yet, `status` prints the slot table from `ping`.
import { controlRequest, ControlError } from '../control/client.js';
import { complain, EXIT, requireMaster, type CliContext } from './common.js';

export async function runRemote(context: CliContext): Promise<number> {
  const master = await requireMaster(context);
  if (!master) return EXIT.NOT_RUNNING;
  try {
    const result = await controlRequest(master.pid, context.verb, { json: context.json });
    process.stdout.write(typeof result === 'string' ? result : `${JSON.stringify(result, null, 2)}\n`);
    return EXIT.OK;
  } catch (err) {
    if (!(err instanceof ControlError && /unknown command/.test(err.message) && context.verb === 'status')) {
      complain(context, `${context.verb} failed: ${(err as Error).message}`);
      return EXIT.FAILED;
    }
  }
  const info = master.info;
  if (!info) return EXIT.FAILED;
  if (context.json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return EXIT.OK;
  }
  const rows = info.slots.map((s) =>
    [`${s.name}#${s.id}`.padEnd(20), String(s.pid ?? '-').padEnd(8), s.state.padEnd(16), String(s.restarts).padEnd(9), s.lastError ?? ''].join(''),
  );
  process.stdout.write(
    [
      `master pid ${info.pid}, ${info.daemon ? 'daemon' : 'foreground'}, up ${Math.round((Date.now() - info.startedAt) / 1000)} s, workerman-ts ${info.version}`,
      `${'slot'.padEnd(20)}${'pid'.padEnd(8)}${'state'.padEnd(16)}${'restarts'.padEnd(9)}last error`,
      ...rows,
      '',
    ].join('\n'),
  );
  return EXIT.OK;
}
