import { useCallback, useSyncExternalStore } from 'react';

/**
 * Screens too small for the console's side-by-side layout: narrow (a phone upright, a small
 * tablet) or short (a phone on its side). The stylesheet's small-screen rules use the same query.
 */
export const SMALL_SCREEN = '(max-width: 900px), (max-height: 560px)';

/** Whether a CSS media query matches now, following it as the window changes. */
export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    [query],
  );
  return useSyncExternalStore(subscribe, () => window.matchMedia(query).matches);
}
