import { useCallback, useSyncExternalStore } from 'react';

/** Something that changes often and says so. */
export interface Versioned {
  readonly version: number;
  subscribe(listener: () => void): () => void;
}

/**
 * The source's version, re-rendering at most once per animation frame however many changes
 * arrive in between (hundreds of output messages a second become one render per frame).
 */
export function useFrameVersion(source: Versioned): number {
  const subscribe = useCallback(
    (onChange: () => void) => {
      let frame = 0;
      const unsubscribe = source.subscribe(() => {
        if (frame === 0) {
          frame = requestAnimationFrame(() => {
            frame = 0;
            onChange();
          });
        }
      });
      return () => {
        unsubscribe();
        cancelAnimationFrame(frame);
      };
    },
    [source],
  );
  return useSyncExternalStore(subscribe, () => source.version);
}
