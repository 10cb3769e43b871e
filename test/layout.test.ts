// The layout by process (docs/design.md, "Layout"): which folder may import which. Read from the import
// lines of src/**/*.ts, so a forbidden import fails here before it ships, whatever the bundler does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from './helpers/processes.js';

const SRC = join(ROOT, 'src');

/** folder -> folders it must never import, type-only imports included (the rule is about what a
 * file depends on, not only what it loads at run time). */
const FORBIDDEN: Record<string, string[]> = {
  connection: ['worker', 'master', 'cli'],
  worker: ['master', 'cli'],
};

/** Every relative specifier of a static import/export, side-effect import, or dynamic import(). */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm;

export function importsOf(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => m[1]!);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The top folder under src/ a path is in ('' for src/index.ts and the other wiring files). */
function areaOf(path: string): string {
  const parts = relative(SRC, path).split('/');
  return parts.length > 1 ? parts[0]! : '';
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const forbidden = FORBIDDEN[areaOf(file)];
    if (!forbidden) continue;
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = areaOf(resolve(dirname(file), spec));
      if (forbidden.includes(target)) found.push(`${relative(ROOT, file)} imports ${spec} (src/${target})`);
    }
  }
  return found;
}

test('the import reader sees every form of import', () => {
  const source = [
    "import { a } from '../master/a.js';",
    "import type { B } from '../worker/b.js';",
    "export { c } from './c.js';",
    "import './side-effect.js';",
    "const d = await import('../cli/d.js');",
    "import { e } from 'node:fs';",
  ].join('\n');
  assert.deepEqual(importsOf(source), [
    '../master/a.js',
    '../worker/b.js',
    './c.js',
    './side-effect.js',
    '../cli/d.js',
  ]);
});

test('src/connection imports neither src/worker nor src/master; src/worker does not import src/master', () => {
  const files = sourceFiles(SRC).map((f) => relative(SRC, f));
  // The check means something only if the folders it guards are where it looks.
  for (const area of ['connection', 'worker', 'master', 'cli', 'shared']) {
    assert.ok(
      files.some((f) => f.startsWith(`${area}/`)),
      `src/${area}/ has no files`,
    );
  }
  assert.deepEqual(violations(), []);
});
