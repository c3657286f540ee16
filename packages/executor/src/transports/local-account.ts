import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { ExecutorError } from '../errors.js';
import type { LocalTarget } from '../targets.js';

/** Who the local target's commands run as, and where. */
export interface LocalAccount {
  readonly username: string;
  readonly uid: number;
  readonly gid: number;
  /** The account's home if it is a directory that exists, else `/`: commands start here. */
  readonly directory: string;
  /** Whether the server must switch to this account (it runs as root and this is someone else). */
  readonly switchUser: boolean;
}

interface PasswdEntry {
  readonly username: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
}

function parsePasswdLine(line: string): PasswdEntry | undefined {
  const [username, , uid, gid, , home] = line.split(':');
  if (username === undefined || uid === undefined || gid === undefined || home === undefined) {
    return undefined;
  }
  if (!/^\d+$/.test(uid) || !/^\d+$/.test(gid)) return undefined;
  return { username, uid: Number(uid), gid: Number(gid), home };
}

/** Looks an account up through NSS (`getent`), or in /etc/passwd where getent is missing. */
function lookUpAccount(name: string): PasswdEntry | undefined {
  const getent = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (getent.error === undefined) {
    return getent.status === 0 ? parsePasswdLine(getent.stdout.trim()) : undefined;
  }
  const lines = readFileSync('/etc/passwd', 'utf8').split('\n');
  return lines.map(parsePasswdLine).find((entry) => entry?.username === name);
}

function existingDirectory(path: string): string {
  try {
    return statSync(path).isDirectory() ? path : '/';
  } catch {
    return '/';
  }
}

/**
 * Decides, at start-up, which account a local target runs commands as. Started as root, the
 * server never runs them as root unless the target says `runAsRoot: true`; it runs them as
 * `user`, `nobody` by default. Throws ExecutorError `invalid_config` naming the target's key.
 */
export function resolveLocalAccount(
  target: LocalTarget,
  self: { uid: number; username: string } = currentUser(),
): LocalAccount {
  const key = `targets.${target.id}`;
  if (self.uid !== 0) {
    if (target.user !== undefined && target.user !== self.username) {
      throw new ExecutorError(
        'invalid_config',
        `${key}.user is "${target.user}", but the server runs as "${self.username}" and cannot ` +
          'switch accounts; start it as root or remove the key.',
      );
    }
    const entry = lookUpAccount(self.username);
    return {
      username: self.username,
      uid: self.uid,
      gid: entry?.gid ?? self.uid,
      directory: existingDirectory(entry?.home ?? '/'),
      switchUser: false,
    };
  }
  const name = target.user ?? (target.runAsRoot === true ? 'root' : 'nobody');
  const entry = lookUpAccount(name);
  if (entry === undefined) {
    throw new ExecutorError(
      'invalid_config',
      `${key}.user: there is no account "${name}" on this host` +
        (target.user === undefined ? ' (the default when the server runs as root).' : '.'),
    );
  }
  if (entry.uid === 0 && target.runAsRoot !== true) {
    throw new ExecutorError(
      'invalid_config',
      `${key}.user: "${name}" is root; local commands run as root only with ${key}.runAsRoot: true.`,
    );
  }
  if (entry.uid !== 0 && target.runAsRoot === true) {
    throw new ExecutorError(
      'invalid_config',
      `${key}.runAsRoot is true but ${key}.user is "${name}", who is not root; remove one of them.`,
    );
  }
  return {
    username: entry.username,
    uid: entry.uid,
    gid: entry.gid,
    directory: existingDirectory(entry.home),
    switchUser: entry.uid !== 0,
  };
}

function currentUser(): { uid: number; username: string } {
  const info = userInfo();
  return { uid: info.uid, username: info.username };
}
