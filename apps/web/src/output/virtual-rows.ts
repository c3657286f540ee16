import { useCallback, useState } from 'react';

/** The rows to draw: [start, end) and where the first of them sits. */
export interface RowWindow {
  readonly start: number;
  readonly end: number;
  /** Pixels from the top of the content to row `start`. */
  readonly offset: number;
  /** Height of all rows: the scroll range. */
  readonly height: number;
}

/**
 * The rows in view plus `overscan` beyond each edge, for rows of one fixed height (the same
 * approach as the terminal's: every row's position is known without measuring anything).
 */
export function visibleRows(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  count: number,
  overscan: number,
): RowWindow {
  const height = count * rowHeight;
  const top = Math.max(0, Math.min(scrollTop, height - viewport));
  const first = Math.floor(top / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + Math.ceil(viewport / rowHeight) + 1 + overscan);
  return { start, end: Math.max(start, end), offset: start * rowHeight, height };
}

/**
 * A scroller showing `count` rows of `rowHeight` pixels, drawing only those in view: a thousand
 * hosts cost what thirty do. Pass `measure` as the scrolling element's ref and `onScroll` as its
 * scroll handler; lay the rows out from `rows.offset` inside a spacer `rows.height` tall.
 */
export function useVirtualRows(
  count: number,
  rowHeight: number,
  overscan = 8,
): {
  measure: (element: HTMLElement | null) => (() => void) | undefined;
  onScroll: (event: { readonly currentTarget: HTMLElement }) => void;
  rows: RowWindow;
} {
  const [viewport, setViewport] = useState(0);
  const [scrollTop, setScrollTop] = useState(0);

  const measure = useCallback((node: HTMLElement | null) => {
    if (node === null) return undefined;
    setViewport(node.clientHeight);
    const observer = new ResizeObserver(() => setViewport(node.clientHeight));
    observer.observe(node);
    return () => observer.disconnect();
  }, []);

  const onScroll = useCallback((event: { readonly currentTarget: HTMLElement }) => {
    setScrollTop(event.currentTarget.scrollTop);
  }, []);

  return { measure, onScroll, rows: visibleRows(scrollTop, viewport, rowHeight, count, overscan) };
}

/**
 * A scroll range for content of any height. Browsers cap an element's height (Firefox near 17.9
 * million px), so past `cap` the scrollbar's range is scaled: each scrollbar pixel stands for
 * `scale` content pixels. Positions are kept in content pixels and turned into a scrollTop only
 * to place the scrollbar, so a view that is not at the end stays on the same line however much
 * content arrives (with a scaled range, the same scrollTop would mean a later line).
 */
export interface ScrollRange {
  /** Height of the scrolled element. */
  readonly spacer: number;
  /** The largest scrollTop. */
  readonly maxScroll: number;
  /** The largest content position of the view's top. */
  readonly maxTop: number;
  /** Content pixels per scrollbar pixel: 1 until the content outgrows `cap`. */
  readonly scale: number;
}

export function scrollRange(content: number, viewport: number, cap: number): ScrollRange {
  const spacer = Math.min(content, cap);
  const maxScroll = Math.max(0, spacer - viewport);
  const maxTop = Math.max(0, content - viewport);
  return { spacer, maxScroll, maxTop, scale: maxScroll === 0 ? 1 : maxTop / maxScroll };
}
