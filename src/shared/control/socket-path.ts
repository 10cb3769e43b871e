// Where a master's control socket lives: a 0700 directory per user in the temp dir, one socket per
// master pid. Short enough for the 108-byte unix socket limit wherever the pid file is.
import { mkdirSync, chmodSync, lstatSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export function controlDirectory(): string {
  return join(tmpdir(), `workerman-ts-${userInfo().uid}`);
}

export function controlSocketPath(masterPid: number): string {
  return join(controlDirectory(), `${masterPid}.sock`);
}

/**
 * Create the directory owner-only (and fix its mode if it exists): only its owner can reach the sockets.
 * Node cannot read a unix socket peer's credentials (SO_PEERCRED), so these modes are what refuses another
 * user. A directory someone else made there first (or a symlink) is refused: its owner could reach our socket.
 * @throws Error naming the directory and its owner.
 */
export function ensureControlDirectory(): string {
  const dir = controlDirectory();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = lstatSync(dir);
  const me = process.geteuid?.();
  if (!stat.isDirectory() || (me !== undefined && stat.uid !== me)) {
    throw new Error(
      `the control directory ${dir} is ${stat.isDirectory() ? `owned by uid ${stat.uid}` : 'not a directory'}, not by this user (uid ${me}); remove it`,
    );
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}
