// A log file that takes no lines (/dev/full: every write fails with ENOSPC) does not stop the master, and
// is not silent either: one line on stderr, and `status` shows the error and how many lines were lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { StatusReport } from '../../src/master/status/report.js';
import { appSource, cli, readText, testApp } from './cli-helpers.js';

const { app, script } = testApp(
  appSource({ count: 1, extra: `if (process.env.LOG_FILE) Worker.logFile = process.env.LOG_FILE;` }),
);

test(
  '/dev/full as the log file: said once on stderr, shown by status, the master keeps working',
  { skip: !existsSync('/dev/full') && 'no /dev/full here' },
  async () => {
    const env = { LOG_FILE: '/dev/full' };
    const started = await cli(script, ['start', '-d'], env);
    assert.equal(started.code, 0, started.output);
    const json = await cli(script, ['status', '--json'], env);
    assert.equal(json.code, 0, json.output);
    const log = (JSON.parse(json.output) as StatusReport).master.log;
    assert.equal(log?.file, '/dev/full');
    assert.match(log?.error ?? '', /^ENOSPC: no space left on device/);
    assert.ok((log?.lostLines ?? 0) >= 3, `lost ${log?.lostLines}`);
    const table = await cli(script, ['status'], env);
    assert.match(
      table.output,
      /log file \/dev\/full: cannot write \(ENOSPC: no space left on device\), \d+ lines lost/,
    );
    // The daemon's stderr is the stdout file: the warning is there, once, however many lines were lost.
    const out = readText(join(app.dir, 'out.log'));
    assert.equal(out.match(/cannot write the log file \/dev\/full/g)?.length, 1, out);
    assert.match(
      out,
      /workerman-ts: cannot write the log file \/dev\/full \(ENOSPC: no space left on device\): log lines are being lost; status shows it/,
    );
    const stop = await cli(script, ['stop'], env);
    assert.equal(stop.code, 0, stop.output);
  },
);

test('a writable log file: status shows it with no error', async () => {
  const started = await cli(script, ['start', '-d']);
  assert.equal(started.code, 0, started.output);
  const json = await cli(script, ['status', '--json']);
  const log = (JSON.parse(json.output) as StatusReport).master.log;
  assert.deepEqual(log, { file: join(app.dir, 'workerman.log'), error: null, lostLines: 0 });
  assert.equal((await cli(script, ['stop'])).code, 0);
});
