// The package version, read once from package.json.
import { readFileSync } from 'node:fs';
import { packagePath } from './package-path.js';

export const VERSION: string = (
  JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }
).version;
