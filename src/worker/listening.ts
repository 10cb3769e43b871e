// What a worker process does with its Worker's listen address: listen once onWorkerStart is done (ready =
// started AND listening), and on stop: stop accepting first, make sure the master has seen it (so no
// connection is still on its way to us), then close the accepted connections within the stop deadline.
import type { Listener } from '../connection/server/listener.js';
import { checkListenOptions, serverSettings } from './listen-options.js';
import type { Worker } from './Worker.js';

let listener: Listener | null = null;

/** The listener of this process, or null (not a listening Worker, or not listening yet). */
export function currentListener(): Listener | null {
  return listener;
}

/**
 * Listens on `worker.listen` (nothing when it is empty). The server code (node:http, ws) is loaded here,
 * so a worker that does not listen never pays for it.
 * @throws ListenError (with `permanent` set when retrying cannot help, e.g. the port is taken).
 */
export async function startListening(worker: Worker): Promise<void> {
  const address = checkListenOptions(worker as never);
  if (address === null) return;
  const { Listener } = await import('../connection/server/listener.js');
  const created = new Listener(address, worker, serverSettings(worker), worker.reusePort);
  await created.listen();
  listener = created;
}

/**
 * Stops accepting. `barrier` resolves once the master has processed everything this process sent before
 * it: in round-robin mode the primary then no longer hands us connections (any it sent before are
 * handed back by node:cluster to another worker), so exiting afterwards cannot strand one.
 */
export async function stopAccepting(barrier: () => Promise<void>): Promise<void> {
  if (listener === null) return;
  listener.unlisten();
  await barrier();
}

/**
 * Closes every accepted connection (websocket close 1001, TCP FIN, HTTP after the answers in progress)
 * and waits until they are gone, at most until `deadline` (epoch ms); then drops the rest.
 */
export async function closeAccepted(worker: Worker | null, deadline: number): Promise<void> {
  if (listener === null || worker === null) return;
  listener.closeConnections(1001, 'worker stopping');
  while (listener.openCount() > 0 && Date.now() < deadline) await sleep(10);
  if (listener.openCount() === 0) return;
  listener.destroyConnections();
  const hard = Date.now() + 200;
  while (worker.connections.size > 0 && Date.now() < hard) await sleep(10);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
