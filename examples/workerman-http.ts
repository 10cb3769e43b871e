// Workerman's HTTP hello world (manual, "Simple Development Example", Example 1), ported line for line.
// Run: node dist/examples/workerman-http.js start -d, then curl http://127.0.0.1:2345/
// HTTP_LISTEN overrides the listen address (the tests use it to pick a free port).
import { Worker } from 'workerman-ts';

// Create a Worker to listen on port 2345 and use the http protocol for communication
const httpWorker = new Worker(process.env.HTTP_LISTEN ?? 'http://0.0.0.0:2345');

// Start 4 processes to provide external services
httpWorker.count = 4;

// Reply with "hello world" to the browser when receiving data sent by the browser
httpWorker.onMessage = (connection, _request) => {
  // Send "hello world" to the browser
  connection.send('hello world');
};

// Run the worker
Worker.runAll();
