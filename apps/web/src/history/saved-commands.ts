import { useCallback, useSyncExternalStore } from 'react';

/** A command a user saved to run again: what, and on which target. */
export interface SavedCommand {
  readonly command: string;
  readonly target: string;
  readonly savedAt: number;
}

/** Enough for the commands someone runs often; the oldest go first beyond it. */
export const MAX_SAVED = 100;

const PREFIX = 'ogent.saved.';

/** The stored list, with anything malformed (another version's, edited by hand) left out. */
export function parseSaved(text: string | null): SavedCommand[] {
  if (text === null) return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  return data.filter(
    (item): item is SavedCommand =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as SavedCommand).command === 'string' &&
      typeof (item as SavedCommand).target === 'string' &&
      typeof (item as SavedCommand).savedAt === 'number',
  );
}

export function isSaved(list: readonly SavedCommand[], command: string, target: string): boolean {
  return list.some((s) => s.command === command && s.target === target);
}

/** Saves the command on that target (newest first), or forgets it when it was saved. */
export function toggleSaved(
  list: readonly SavedCommand[],
  command: string,
  target: string,
  now: number,
): SavedCommand[] {
  if (isSaved(list, command, target)) {
    return list.filter((s) => !(s.command === command && s.target === target));
  }
  return [{ command, target, savedAt: now }, ...list].slice(0, MAX_SAVED);
}

const listeners = new Set<() => void>();
/** Parsed once per stored text, so that the snapshot is stable between changes. */
const cache = new Map<string, { text: string | null; list: SavedCommand[] }>();

const NONE: SavedCommand[] = [];

function read(key: string): SavedCommand[] {
  let text: string | null;
  try {
    text = localStorage.getItem(key);
  } catch {
    // Storage disabled: what was saved on this page, kept in memory (see write).
    return cache.get(key)?.list ?? NONE;
  }
  const cached = cache.get(key);
  if (cached !== undefined && cached.text === text) return cached.list;
  const list = parseSaved(text);
  cache.set(key, { text, list });
  return list;
}

function write(key: string, list: SavedCommand[]): void {
  const text = JSON.stringify(list);
  cache.set(key, { text, list });
  try {
    localStorage.setItem(key, text);
  } catch {
    // Storage disabled or full: kept in memory for this page.
  }
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  // Another tab of the same browser saved or removed one.
  window.addEventListener('storage', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('storage', listener);
  };
}

/**
 * The user's saved commands, kept in this browser's localStorage under their username: each
 * person signed in on a shared browser has their own, and they follow nobody to another browser.
 */
export function useSavedCommands(username: string): {
  saved: readonly SavedCommand[];
  toggle: (command: string, target: string) => void;
} {
  const key = PREFIX + username;
  const saved = useSyncExternalStore(subscribe, () => read(key));
  const toggle = useCallback(
    (command: string, target: string) =>
      write(key, toggleSaved(read(key), command, target, Date.now())),
    [key],
  );
  return { saved, toggle };
}
