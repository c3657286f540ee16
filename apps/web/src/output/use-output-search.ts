import { useEffect, useMemo } from 'react';
import type { OutputBuffer } from './output-buffer';
import { OutputSearch } from './output-search';

/** How long one slice of searching may hold the page's main thread. */
const SLICE_MS = 8;
/** Rows searched between looks at the clock. */
const ROWS_PER_STEP = 8_192;

/**
 * Searches the whole output for `text` in slices of a few milliseconds (a message to itself
 * between them, so the page draws and takes input in between), and goes on as output arrives.
 * An empty text finds nothing; a new text or case starts a new search.
 */
export function useOutputSearch(
  buffer: OutputBuffer,
  text: string,
  caseSensitive: boolean,
): OutputSearch {
  const search = useMemo(
    () => new OutputSearch(buffer, { text, caseSensitive }),
    [buffer, text, caseSensitive],
  );
  useEffect(() => {
    if (search.pattern === null) return;
    // MessageChannel rather than setTimeout: nested timeouts are clamped to 4 ms each.
    const channel = new MessageChannel();
    let scheduled = false;
    const schedule = (): void => {
      if (scheduled || search.done) return;
      scheduled = true;
      channel.port1.postMessage(null);
    };
    channel.port2.onmessage = () => {
      scheduled = false;
      const until = performance.now() + SLICE_MS;
      let more = true;
      while (more && performance.now() < until) more = search.step(ROWS_PER_STEP);
      if (more) schedule();
    };
    schedule();
    const unsubscribe = buffer.subscribe(schedule);
    return () => {
      unsubscribe();
      channel.port1.close();
      channel.port2.close();
    };
  }, [buffer, search]);
  return search;
}
