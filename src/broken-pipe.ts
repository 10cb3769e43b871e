// When the reader of stdout or stderr goes away (`node app.js start | head`, a log shipper that died), the
// next write fails with EPIPE, and with no 'error' listener Node throws it: the master dies mid-run and
// leaves a stale pid file, a worker dies at its next console.log and so does each replacement. Our
// processes keep running instead; what they write to that stream is dropped (the master's log file still
// gets every line). Only the CLI and our worker processes install this: a host that embeds a Runtime owns
// its stdio.

let installed = false;

export function surviveBrokenPipes(): void {
  if (installed) return;
  installed = true;
  process.stdout.on('error', dropOnBrokenPipe);
  process.stderr.on('error', dropOnBrokenPipe);
}

function dropOnBrokenPipe(err: NodeJS.ErrnoException): void {
  // After EPIPE the stream is destroyed and every later write fails with ERR_STREAM_DESTROYED.
  if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
  throw err; // anything else stays an uncaught exception, as without this listener
}
