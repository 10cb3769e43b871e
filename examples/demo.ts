// `npm run demo`: start a local websocket server, run the manual's ws:// client example as a real
// master + 2 workers, restart the server once to show both workers reconnecting, then stop everything.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from './demo-server.js';

const DEADLINE_MS = 15_000;
const client = fileURLToPath(new URL('./ws-client.js', import.meta.url));

const bold = process.stdout.isTTY && !process.env.NO_COLOR;
function say(line: string): void {
  console.log(`${bold ? '\x1b[1m[demo]\x1b[0m' : '[demo]'} ${line}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const server = await startDemoServer();
say(`websocket server listening on ${server.url} (echo + a tick every 500 ms)`);
say(`starting: node ${client} start`);

const app = spawn(process.execPath, [client, 'start'], {
  env: { ...process.env, WS_URL: server.url },
  stdio: ['ignore', 'pipe', 'inherit'],
});
let output = '';
app.stdout.on('data', (chunk: Buffer) => {
  output += chunk.toString();
  process.stdout.write(chunk);
});
const exited = new Promise<number | null>((resolve) => app.once('exit', (code) => resolve(code)));

const deadline = setTimeout(() => {
  say('the demo did not finish in time; stopping');
  app.kill('SIGKILL');
  process.exitCode = 1;
}, DEADLINE_MS);

/** Wait until `count` lines of the output after `from` match `pattern`. */
async function waitFor(pattern: RegExp, count: number, from = 0): Promise<void> {
  while ((output.slice(from).match(pattern) ?? []).length < count) {
    if (app.exitCode !== null) throw new Error(`the app exited early (code ${app.exitCode})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

try {
  await waitFor(/\] recv: tick/g, 4);
  say('both workers receive ticks; restarting the server (down for 1.5 s)');
  const mark = output.length;
  await server.restart(1500);
  await waitFor(/\] recv: echo: hello/g, 2, mark);
  say('both workers reconnected by themselves; stopping the app (SIGINT, as Ctrl+C would)');
  app.kill('SIGINT');
  const code = await exited;
  const pids = [...output.matchAll(/started, pid (\d+)/g), ...output.matchAll(/^.* pid:(\d+) /gm)].map((m) =>
    Number(m[1]),
  );
  const left = [...new Set(pids)].filter(alive);
  say(`app exited with code ${code}; processes left behind: ${left.length === 0 ? 'none' : left.join(', ')}`);
  if (code !== 0 || left.length > 0) process.exitCode = 1;
} catch (err) {
  say(`failed: ${(err as Error).message}`);
  app.kill('SIGKILL');
  process.exitCode = 1;
} finally {
  clearTimeout(deadline);
  await server.close();
}
