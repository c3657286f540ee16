import type { SignedInUser as AuthUser } from '../api/types.js';

/** A signed-in user: the token and what it allows. */
export interface Session {
  readonly token: string;
  /** Ms since the epoch. */
  readonly expiresAt: number;
  readonly user: AuthUser;
}

const SESSION_KEY = 'ogent.session';

/**
 * The session lives in sessionStorage: it survives a reload of the tab, but is gone when the tab
 * closes and is never shared with other tabs or left on disk. For a console that runs commands
 * on servers that is the safer default; signing in again in a new tab is cheap.
 */
export function loadSession(now: number): Session | null {
  try {
    const raw = sessionStorage.getItem(SESSION_KEY);
    if (raw === null) return null;
    const value = JSON.parse(raw) as Partial<Session> | null;
    if (
      typeof value?.token !== 'string' ||
      typeof value.expiresAt !== 'number' ||
      typeof value.user?.username !== 'string' ||
      value.expiresAt <= now
    ) {
      sessionStorage.removeItem(SESSION_KEY);
      return null;
    }
    return value as Session;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  try {
    if (session === null) sessionStorage.removeItem(SESSION_KEY);
    else sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  } catch {
    // Storage disabled: the session lasts until the page is reloaded.
  }
}

/** A small value kept per tab (the command being typed, the chosen target). */
export function loadTabValue(key: string): string | null {
  try {
    return sessionStorage.getItem(`ogent.${key}`);
  } catch {
    return null;
  }
}

export function saveTabValue(key: string, value: string | null): void {
  try {
    if (value === null || value === '') sessionStorage.removeItem(`ogent.${key}`);
    else sessionStorage.setItem(`ogent.${key}`, value);
  } catch {
    // Storage disabled: nothing to keep.
  }
}
