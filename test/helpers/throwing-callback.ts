// Child process for the callback-exception test: onMessage throws; the connection state stays consistent and
// the exception surfaces as an uncaught exception. `node --test dist/test/` also loads helpers, so this does
// nothing unless started with the argument "run".
import { AsyncTcpConnection } from '../../src/connection/index.js';
import { startWsServer } from './servers.js';

async function main(): Promise<void> {
  const srv = await startWsServer({}, (s) => {
    s.send('one');
    s.send('two');
  });
  const conn = new AsyncTcpConnection(srv.url);
  let n = 0;
  conn.onMessage = () => {
    n++;
    if (n === 1) throw new Error('boom from onMessage');
  };
  // What a worker process does: log the uncaught exception and exit non-zero (the master restarts it).
  process.on('uncaughtException', (err) => {
    console.log(`uncaught: ${err.message}; state ${conn.state}, messagesIn ${conn.messagesIn}`);
    process.exit(7);
  });
  conn.connect();
  setTimeout(() => process.exit(0), 5000).unref();
}

if (process.argv[2] === 'run') await main();
