import { useCallback, useSyncExternalStore } from 'react';

/** Something that changes often and says so. */
export interface Versioned {
  readonly version: number;
  subscribe(listener: () => void): () => void;
}

/** A Versioned source's bookkeeping: a number that grows at every change, and its listeners. */
export class VersionedSource implements Versioned {
  private revision = 0;
  private readonly listeners = new Set<() => void>();

  get version(): number {
    return this.revision;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Counts a change and tells every listener. */
  protected changed(): void {
    this.revision += 1;
    for (const listener of this.listeners) listener();
  }
}

/**
 * The source's version, re-rendering at most once per animation frame however many changes
 * arrive in between (hundreds of output messages a second become one render per frame), and
 * with `minIntervalMs`, at most once in that time: a grid of a thousand hosts changing all the
 * time need not be laid out and painted sixty times a second to look live.
 */
export function useFrameVersion(source: Versioned, minIntervalMs = 0): number {
  const subscribe = useCallback(
    (onChange: () => void) => {
      let frame = 0;
      let timer: ReturnType<typeof setTimeout> | undefined;
      let last = -Infinity;
      const render = (): void => {
        frame = 0;
        last = performance.now();
        onChange();
      };
      const unsubscribe = source.subscribe(() => {
        if (frame !== 0 || timer !== undefined) return;
        const wait = last + minIntervalMs - performance.now();
        if (wait <= 0) {
          frame = requestAnimationFrame(render);
          return;
        }
        timer = setTimeout(() => {
          timer = undefined;
          frame = requestAnimationFrame(render);
        }, wait);
      });
      return () => {
        unsubscribe();
        cancelAnimationFrame(frame);
        clearTimeout(timer);
      };
    },
    [source, minIntervalMs],
  );
  return useSyncExternalStore(subscribe, () => source.version);
}
