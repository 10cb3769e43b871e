// A relay: one Worker consumes a feed with AsyncTcpConnection and fans every message out to the
// websocket:// clients of every process of a second Worker. The feed arrives in one process and the
// clients are spread over others, so the message crosses processes through Channel (the master relays it
// over cluster IPC to every subscribed process; docs/channel.md says why that way).
// Run against the local demo server (a tick every 500 ms):
//   node dist/examples/demo-server.js 8765 &
//   FEED_URL=ws://127.0.0.1:8765 node dist/examples/relay.js start
// and connect websocket clients to ws://127.0.0.1:8766.
import { AsyncTcpConnection, Channel, Worker } from 'workerman-ts';

const feedUrl = process.env.FEED_URL ?? 'ws://127.0.0.1:8765';

// The consumer: one process, one upstream connection, reconnecting with backoff when the feed drops.
const feed = new Worker({ name: 'feed' });
feed.onWorkerStart = () => {
  const upstream = new AsyncTcpConnection(feedUrl, { reconnect: true });
  upstream.onMessage = (_conn, data) => {
    Channel.publish('feed', data);
  };
  upstream.onError = (_conn, code, message) => console.log(`[feed] error ${code}: ${message}`);
  upstream.connect();
};

// The fan-out: `count` processes share the port; each sends every feed message to its own clients.
const fanout = new Worker(process.env.RELAY_LISTEN ?? 'websocket://127.0.0.1:8766', {
  name: 'fanout',
  count: Number(process.env.RELAY_COUNT ?? 2),
});
fanout.onWorkerStart = (worker) => {
  // Subscribed before onWorkerStart returns: a reload's replacement is subscribed before it takes over.
  Channel.on('feed', (data) => {
    for (const conn of worker.connections.values()) conn.send(data as string | Buffer); // false = that slow client's buffer is full: dropped for it
  });
};
fanout.onConnect = (conn) => {
  conn.send(`relaying ${feedUrl} (fanout#${fanout.id}, connection ${conn.id})`);
};

Worker.runAll();
