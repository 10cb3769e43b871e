#!/usr/bin/env node
// Runs every compiled test file (dist/test/**/*.test.js) with node:test, then checks that the suite
// left no process behind: every process it starts inherits WMTS_TEST_RUN=<this pid> in its environment.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const filter = process.argv.slice(2);
const files = findTests('dist/test').filter((f) => filter.length === 0 || filter.some((p) => f.includes(p)));
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', '--test-timeout=120000', ...files],
  { stdio: 'inherit', env: { ...process.env, WMTS_TEST_RUN: String(process.pid) } },
);
const marker = `WMTS_TEST_RUN=${process.pid}\0`;

function leftovers() {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .flatMap((pid) => {
      try {
        if (!readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker)) return [];
        return [`${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim()}`];
      } catch {
        return [];
      }
    });
}

let left = leftovers();
for (let i = 0; i < 20 && left.length > 0; i++) {
  await new Promise((r) => setTimeout(r, 100));
  left = leftovers();
}
if (left.length > 0) {
  console.error(`\nThe suite left processes behind:\n${left.join('\n')}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
