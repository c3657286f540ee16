import { useCallback, useState } from 'react';
import { loadTabValue, saveTabValue } from './storage';

/**
 * A string kept in the tab's sessionStorage as well as in state, so it outlives a reload and a
 * trip through the sign-in screen (the command being typed when the session expired).
 */
export function useTabState(key: string): [string, (value: string) => void] {
  const [value, setValue] = useState(() => loadTabValue(key) ?? '');
  const set = useCallback(
    (next: string) => {
      saveTabValue(key, next);
      setValue(next);
    },
    [key],
  );
  return [value, set];
}
