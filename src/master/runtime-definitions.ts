// The checks of a script's Worker definitions that need the whole set, made before any process is forked
// (options set after the constructor included), and what the master keeps of each definition.
import { show } from '../shared/config.js';
import type { Worker } from '../worker/Worker.js';
import { checkKeysConfig } from '../worker/keys-config.js';
import { checkListenOptions } from '../worker/listen-options.js';
import { RuntimeStartError } from './errors.js';
import type { WorkerDefinition } from './supervisor-types.js';

/** @throws RuntimeStartError naming the Worker and the bad value. */
export function masterDefinitions(
  definitions: readonly Worker[],
  script: string,
  env: Record<string, string | undefined>,
): WorkerDefinition[] {
  if (definitions.length === 0) {
    throw new RuntimeStartError(
      `${script} defines no Worker: create one with new Worker() before Worker.runAll()`,
    );
  }
  try {
    checkKeysConfig(definitions, env);
  } catch (err) {
    throw new RuntimeStartError((err as Error).message);
  }
  for (const w of definitions) {
    const name = `Worker "${String(w.name)}"`;
    if (!Number.isInteger(w.count) || w.count < 1) {
      throw new RuntimeStartError(`${name}: count must be a whole number >= 1, got ${show(w.count)}`);
    }
    if (!Number.isInteger(w.spare) || w.spare < 0 || w.spare > w.count) {
      throw new RuntimeStartError(
        `${name}: spare must be a whole number from 0 to count (${w.count}), got ${show(w.spare)}`,
      );
    }
    try {
      checkListenOptions(w as never);
    } catch (err) {
      throw new RuntimeStartError((err as Error).message);
    }
  }
  return definitions.map((w, index) => ({
    index,
    name: w.name,
    count: w.count,
    reloadable: w.reloadable,
    spare: w.spare,
  }));
}
