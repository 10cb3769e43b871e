// A daemon that embeds the runtime: start the workers of a start script, reload them when the
// script (or any file you watch) changes, stop them on SIGTERM/SIGINT, then exit by itself.
//
//   node dist/examples/embedding-daemon.js path/to/app.js
import { watch } from 'node:fs';
import { Runtime } from 'workerman-ts';

const script = process.argv[2];
if (!script) {
  console.error('usage: embedding-daemon <start script>');
  process.exit(64);
}

const rt = await Runtime.start({ script, stopTimeout: 5 });
rt.on('workerExit', (slot, code, signal) =>
  console.log(`worker ${slot.name}#${slot.id} exited (${signal ?? code})`),
);
rt.on('error', (err) => console.error(`runtime error: ${err.message}`));
// Reload on change, debounced: editors write a file in several steps.
let debounce: NodeJS.Timeout | undefined;
const watcher = watch(script, () => {
  clearTimeout(debounce);
  debounce = setTimeout(() => void reload(), 100);
});

async function reload(): Promise<void> {
  try {
    const result = await rt.reload();
    if (result.halted) console.error(`reload halted at ${result.halted.slot}: ${result.halted.reason}`);
    else console.log(`reloaded ${result.replaced.join(', ')}`);
  } catch (err) {
    // e.g. the runtime began stopping during the roll
    console.error(`reload failed: ${(err as Error).message}`);
  }
}

console.log(`started ${rt.workers.map((w) => `${w.name}#${w.id} pid ${w.pid}`).join(', ')}`);

const shutdown = async (signal: string) => {
  console.log(`${signal}: stopping`);
  watcher.close();
  clearTimeout(debounce);
  await rt.stop({ graceful: true });
  console.log('stopped');
  // No process.exit: with the runtime stopped and the watcher closed, nothing keeps the process alive.
};
process.once('SIGTERM', (signal) => void shutdown(signal));
process.once('SIGINT', (signal) => void shutdown(signal));
