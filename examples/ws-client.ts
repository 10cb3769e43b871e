// The Workerman manual's `ws://` client example ("The ws protocol"), ported line for line.
// Run it against any websocket server:   WS_URL=ws://127.0.0.1:1234 node dist/examples/ws-client.js start
// or let `npm run demo` start a local server and run it for you.
import { AsyncTcpConnection, Worker, Ws } from 'workerman-ts';

const url = process.env.WS_URL ?? 'ws://127.0.0.1:1234';

const worker = new Worker();
worker.name = 'ws-client';
worker.count = 2; // the manual uses 1; the demo shows two processes with ids 0 and 1
// When the process starts
worker.onWorkerStart = () => {
  // Connect to a remote websocket server using the websocket protocol
  const wsConnection = new AsyncTcpConnection(url);
  // Send a websocket heartbeat with opcode 0x9 to the server every 55 seconds (optional)
  wsConnection.websocketPingInterval = 55;
  // Set HTTP headers (optional)
  wsConnection.headers = {
    Cookie: 'PHPSID=82u98fjhakfusuanfnahfi; token=2hf9a929jhfihaf9i',
    OtherKey: 'values',
  };
  // Set the data type (optional): BINARY_TYPE_BLOB for text frames, BINARY_TYPE_ARRAYBUFFER for binary
  wsConnection.websocketType = Ws.BINARY_TYPE_BLOB;
  // After TCP three-way handshake is complete (optional)
  wsConnection.onConnect = () => {
    console.log(`[worker ${worker.id}] tcp connected`);
  };
  // After websocket handshake is complete (optional)
  wsConnection.onWebSocketConnect = (con, response) => {
    console.log(`[worker ${worker.id}] ${String(response).trimEnd()}`);
    con.send('hello');
  };
  // When a message is received from the remote websocket server
  wsConnection.onMessage = (_connection, data) => {
    console.log(`[worker ${worker.id}] recv: ${String(data)}`);
  };
  // When an error occurs in the connection, usually a failure to connect to the remote server (optional)
  wsConnection.onError = (_connection, _code, msg) => {
    console.log(`[worker ${worker.id}] error: ${msg}`);
  };
  // When the connection to the remote server is closed (optional, it is recommended to include reconnection)
  wsConnection.onClose = (connection) => {
    console.log(`[worker ${worker.id}] connection closed and try to reconnect`);
    // If the connection is closed, reconnect after 1 second
    connection.reConnect(1);
  };
  // After setting up the various callbacks above, initiate the connection operation
  wsConnection.connect();
};
Worker.runAll();
