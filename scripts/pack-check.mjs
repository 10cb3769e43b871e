#!/usr/bin/env node
// CI: the package as a user gets it. `npm pack` (of the built tree: run after `npm run build`), install the
// tarball into an empty project, import it as ESM and from CommonJS, run `npx worker --version`.
// Bounded (every step has a time limit) and tidy (the temp project and the tarball are removed).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const STEP_TIMEOUT_MS = 120_000;
const { name, version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** Runs a command; returns its stdout, or exits 1 with what it printed. */
function run(what, cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: STEP_TIMEOUT_MS, env: process.env });
  if (r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
    throw new Error(`pack-check: ${what} failed (${why})\n${r.stdout ?? ''}${r.stderr ?? ''}`);
  }
  return r.stdout;
}

if (!existsSync(join(ROOT, 'dist', 'src', 'index.js'))) {
  console.error('pack-check: dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'wmts-pack-'));
const started = Date.now();
try {
  // --ignore-scripts: pack the tree as built (prepare would build it again).
  const packed = run(
    'npm pack',
    'npm',
    ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir],
    ROOT,
  );
  const tarball = join(dir, packed.trim().split('\n').pop());
  const app = join(dir, 'app');
  run('mkdir', 'mkdir', [app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-check-app', private: true }));
  // The dependencies (ws, pidusage) come from npm's cache when `npm ci` ran before.
  run('npm install', 'npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app);

  const check =
    "typeof m.Worker === 'function' && typeof m.AsyncTcpConnection === 'function' && typeof m.Runtime === 'function'";
  run(
    'ESM import',
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import * as m from '${name}'; if (!(${check})) { console.error(Object.keys(m)); process.exit(1); }`,
    ],
    app,
  );
  run(
    'CommonJS import()',
    process.execPath,
    [
      '--input-type=commonjs',
      '-e',
      `import('${name}').then((m) => { if (!(${check})) process.exit(1); }, (e) => { console.error(e); process.exit(1); });`,
    ],
    app,
  );
  // require() of an ES module: Node 20.19+ and 22.12+ do it by default; older Node 20 cannot at all.
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19)) {
    run(
      'CommonJS require()',
      process.execPath,
      ['--input-type=commonjs', '-e', `const m = require('${name}'); if (!(${check})) process.exit(1);`],
      app,
    );
  }
  const out = run('npx worker --version', 'npx', ['--no-install', 'worker', '--version'], app).trim();
  if (out !== `${name} ${version}`)
    throw new Error(`pack-check: npx worker --version said "${out}", not "${name} ${version}"`);
  console.log(
    `pack-check: ${tarball.split('/').pop()} installs, imports (ESM, CommonJS) and runs \`npx worker --version\` (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
} catch (err) {
  console.error(err.message);
  process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
