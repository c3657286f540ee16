import { useCallback, useState } from 'react';

const PREFIX = 'ogent.view.';

function load(key: string): string | null {
  try {
    return localStorage.getItem(PREFIX + key);
  } catch {
    // Storage disabled: the preference lasts as long as the page.
    return null;
  }
}

function save(key: string, value: string): void {
  try {
    localStorage.setItem(PREFIX + key, value);
  } catch {
    // Storage disabled or full: the preference lasts as long as the page.
  }
}

/**
 * A view preference, one of `allowed`, kept in localStorage: it outlives the tab and the session
 * (unlike what is kept per tab), since it is about how this person likes to read, not about
 * what they were doing. A stored value no longer allowed falls back to `fallback`.
 */
export function usePreference<T extends string>(
  key: string,
  allowed: readonly T[],
  fallback: T,
): [T, (value: T) => void] {
  const [value, setValue] = useState<T>(() => {
    const stored = load(key);
    return allowed.find((a) => a === stored) ?? fallback;
  });
  const set = useCallback(
    (next: T) => {
      save(key, next);
      setValue(next);
    },
    [key],
  );
  return [value, set];
}
