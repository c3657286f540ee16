import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { CliError } from './errors.js';

const storedSchema = z.object({
  url: z.string().url(),
  username: z.string(),
  token: z.string().min(1),
  /** Milliseconds since the epoch. */
  expiresAt: z.number(),
  /** When the token was saved (ms): renewed once past half its life. */
  savedAt: z.number().optional(),
});

/** What `ogent login` keeps: which server, who, and the token it gave. */
export type StoredLogin = z.infer<typeof storedSchema>;

/** `$XDG_CONFIG_HOME/ogent` (an absolute XDG_CONFIG_HOME only, as the spec says), else `~/.config/ogent`. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg !== undefined && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.config');
  return path.join(base, 'ogent');
}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(configDir(env), 'credentials.json');
}

export function readLogin(env: NodeJS.ProcessEnv = process.env): StoredLogin | null {
  const file = credentialsPath(env);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    return storedSchema.parse(JSON.parse(text));
  } catch {
    throw new CliError(`${file} is not a saved login; sign in again with: ogent login`);
  }
}

/**
 * Saves the login readable by its owner only (0600, in a 0700 directory). Written to a new file
 * created with that mode and renamed over the old one, so the token is never readable by others,
 * not even for a moment, and a crash leaves the old file or the new one.
 */
export function saveLogin(login: StoredLogin, env: NodeJS.ProcessEnv = process.env): string {
  const file = credentialsPath(env);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    const saved: StoredLogin = { ...login, savedAt: Date.now() };
    writeFileSync(temporary, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    // The mode given at creation is masked by the umask; this is not.
    chmodSync(temporary, 0o600);
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
  return file;
}

export function removeLogin(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = credentialsPath(env);
  try {
    rmSync(file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
