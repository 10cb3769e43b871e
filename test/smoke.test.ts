import { test } from 'node:test';
import assert from 'node:assert/strict';

test('the package entry point loads', async () => {
  const mod = await import('workerman-ts');
  assert.equal(typeof mod, 'object');
});
