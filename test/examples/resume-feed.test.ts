// The resume example (examples/resume-feed.ts) as a real app against its feed (examples/resume-feed-server.ts):
// through dropped connections, two rolling reloads and a SIGKILLed worker, each stream's output file holds
// every sequence number exactly once, in order, with no hole.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ROOT, killAll, run, waitGone } from '../helpers/processes.js';
import { waitFor, sleep } from '../helpers/wait.js';
import { startResumeFeedServer } from '../../examples/resume-feed-server.js';

const EXAMPLE = join(ROOT, 'dist', 'examples', 'resume-feed.js');
const dir = mkdtempSync(join(tmpdir(), 'wmts-resume-'));
after(() => {
  killAll();
  rmSync(dir, { recursive: true, force: true });
});

const sequences = (stream: string): number[] => {
  try {
    return readFileSync(join(dir, `${stream}.log`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => Number(line.split(' ')[0]));
  } catch {
    return [];
  }
};

test(
  'resume by sequence number: no gap and no duplicate across reconnects, reloads and a SIGKILLed worker',
  {
    timeout: 90_000,
  },
  async () => {
    const feed = await startResumeFeedServer({ intervalMs: 5 });
    const env = { FEED_URL: feed.url, FEED_DIR: dir };
    try {
      const app = run([EXAMPLE, 'start'], { env });
      await waitFor(
        () => sequences('s0').length > 50 && sequences('s1').length > 50,
        'both streams flowing',
        30_000,
      );
      for (let i = 0; i < 3; i++) {
        feed.dropAll(); // a network failure: both workers reconnect and resume
        await sleep(300);
      }
      for (let i = 0; i < 2; i++) {
        const reload = run([EXAMPLE, 'reload'], { env });
        const { code } = await reload.exited(60_000);
        assert.equal(code, 0, reload.output());
      }
      await app.waitFor(/\[s0\] superseded[\s\S]*\[s0\] superseded/, 10_000);
      await app.waitFor(/\[s1\] superseded[\s\S]*\[s1\] superseded/, 10_000);
      // A crash: the replacement resumes from the file the dead process wrote.
      const pid = Number(
        /worker resume-feed#1 started, pid (\d+)/g.exec(
          app
            .output()
            .split('\n')
            .reverse()
            .find((l) => /resume-feed#1 started/.test(l)) ?? '',
        )?.[1],
      );
      if (pid > 0) process.kill(pid, 'SIGKILL');
      const before = sequences('s1').length;
      await waitFor(
        () => sequences('s1').length > before + 100,
        'stream 1 resumed after the SIGKILL',
        30_000,
      );
      const pids = [...app.output().matchAll(/started, pid (\d+)/g)].map((m) => Number(m[1]));
      app.child.kill('SIGTERM');
      assert.equal((await app.exited(30_000)).code, 0, app.output());
      await waitGone(pids);
      for (const stream of ['s0', 's1']) {
        const seqs = sequences(stream);
        assert.ok(seqs.length > 300, `${stream}: ${seqs.length} messages`);
        const bad = seqs.findIndex((s, i) => s !== i + 1);
        assert.equal(bad, -1, `${stream}: line ${bad + 1} is ${seqs[bad]} (after ${seqs[bad - 1]})`);
        assert.ok(feed.seq(stream) >= seqs.length, 'nothing invented');
      }
      assert.ok(pid > 0, 'a worker was SIGKILLed');
    } finally {
      await feed.close();
    }
  },
);
