// Where a master's control socket lives: a 0700 directory per user in the temp dir, one socket per
// master pid. Short enough for the 108-byte unix socket limit wherever the pid file is.
import { mkdirSync, chmodSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export function controlDirectory(): string {
  return join(tmpdir(), `workerman-ts-${userInfo().uid}`);
}

export function controlSocketPath(masterPid: number): string {
  return join(controlDirectory(), `${masterPid}.sock`);
}

/** Create the directory owner-only (and fix its mode if it exists): only its owner can reach the sockets. */
export function ensureControlDirectory(): string {
  const dir = controlDirectory();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}
