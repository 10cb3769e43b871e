// Workerman's websocket group chat (manual, "How to Broadcast Data", Example: Group Chat), ported line for
// line: every message a client sends goes to every client connected to this process.
// Run: node dist/examples/workerman-chat.js start -d, then talk to ws://127.0.0.1:2020 with any websocket
// client; `reload`, `status`, `connections` and `stop` work on it as on any start script.
// CHAT_LISTEN overrides the listen address (the tests use it to pick a free port).
import { Worker } from 'workerman-ts';

const worker = new Worker(process.env.CHAT_LISTEN ?? 'websocket://0.0.0.0:2020');
// The number of processes must be 1 in this example
// (connections live in one process each; examples/relay.ts shows Channel, which lifts that limit)
worker.count = 1;
// Broadcast messages from clients to other users
// (the original's $connection parameter is shadowed by its loop variable: here it is _connection)
worker.onMessage = (_connection, message: string | Buffer) => {
  for (const connection of worker.connections.values()) {
    connection.send(message);
  }
};
// Run the worker
Worker.runAll();
