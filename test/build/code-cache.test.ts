// The package's bundle loads with V8's code cache (src/core-loader.ts): a process with a flag set of its own
// writes its cache file when it exits, the next one uses it, and a damaged cache is rejected by V8,
// compiled around and rewritten, never trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run, useAppDir } from '../helpers/processes.js';

const app = useAppDir();
const DIST = join(ROOT, 'dist', 'src');
// A V8 flag of this test's own (it changes nothing here), so its cache file is this test's alone.
const FLAG = '--stack-size=1999';

const probe = app.write(
  'probe.mjs',
  `import { Worker, AsyncTcpConnection, VERSION } from 'workerman-ts';
console.log(typeof Worker, typeof AsyncTcpConnection, VERSION);
`,
);

async function runProbe(): Promise<string> {
  const child = run([FLAG, probe], { cwd: app.dir });
  const { code } = await child.exited(20_000);
  assert.equal(code, 0, child.output());
  return child.output();
}

const caches = () => new Set(readdirSync(DIST).filter((f) => /^core-.*\.cache$/.test(f)));

test('a new flag set writes its own cache on exit; a damaged cache is rejected, compiled around and rewritten', async () => {
  const before = caches();
  let mine: string[] = [];
  try {
    assert.match(await runProbe(), /^function function \d+\.\d+\.\d+/);
    mine = [...caches()].filter((f) => !before.has(f));
    assert.equal(mine.length, 1, `new cache files: ${mine.join(', ')}`);
    assert.match(mine[0]!, /^core-[0-9a-f]{8}\.cjs\.[0-9a-f]{8}\.other\.cache$/);
    const file = join(DIST, mine[0]!);
    const good = readFileSync(file);
    assert.ok(good.length > 10_000, `cache of ${good.length} bytes`);

    // From the cache: same output, and the file is left as it was.
    assert.match(await runProbe(), /^function function /);
    assert.deepEqual(readFileSync(file), good);

    // Damaged (same size, other bytes): V8 rejects it, the package still loads, the cache is rewritten.
    writeFileSync(file, Buffer.alloc(good.length, 0x5a));
    assert.match(await runProbe(), /^function function /);
    const rewritten = readFileSync(file);
    assert.notDeepEqual(rewritten, Buffer.alloc(good.length, 0x5a));
    assert.ok(rewritten.length > 10_000);
  } finally {
    for (const f of mine) rmSync(join(DIST, f), { force: true });
  }
});

test('under --enable-source-maps the bundle loads as a plain file, so stack frames name src/**/*.ts lines', async () => {
  const thrower = app.write(
    'thrower.mjs',
    `import { Worker } from 'workerman-ts';
try { new Worker(5); } catch (err) { console.log(err.stack); }
`,
  );
  const child = run(['--enable-source-maps', thrower], { cwd: app.dir });
  const { code } = await child.exited(20_000);
  assert.equal(code, 0, child.output());
  assert.match(
    child.output(),
    /options must be an object\n\s+at new Worker \(.*src\/worker\/Worker\.ts:\d+:\d+\)/,
  );
});
