import { type RefObject, useCallback, useState } from 'react';
import type { ScrollSync } from './use-scroll-sync';
import { keyStep, wheelUnit } from './terminal-geometry';

/** The scroller's size, and the monospace cell's, in pixels; zero until measured. */
export interface ScrollerSize {
  readonly height: number;
  readonly width: number;
  /** Pixels of one cell of the monospace font. */
  readonly cell: number;
  /** Measures the scroller and the cell again (`probe` is ten cells wide). */
  readonly measure: (element: HTMLElement, probe: HTMLElement | null) => void;
}

/** The size the view lays its rows out in: the scroller's, and a character cell's. */
export function useScrollerSize(): ScrollerSize {
  const [height, setHeight] = useState(0);
  const [width, setWidth] = useState(0);
  const [cell, setCell] = useState(0);
  const measure = useCallback((element: HTMLElement, probe: HTMLElement | null): void => {
    setHeight(element.clientHeight);
    setWidth(element.clientWidth);
    if (probe !== null) setCell(probe.getBoundingClientRect().width / 10);
  }, []);
  return { height, width, cell, measure };
}

/**
 * The scroller's ref callback: keeps its size measured (resizes, the font arriving late), and
 * where the range is scaled moves by lines on the wheel and the scrolling keys, as the browser
 * would unscaled.
 */
export function useScrollerRef(
  scrollerRef: RefObject<HTMLDivElement | null>,
  probeRef: RefObject<HTMLSpanElement | null>,
  measure: ScrollerSize['measure'],
  { geometry, scrollByContent, setFollowing }: ScrollSync,
): (element: HTMLDivElement | null) => (() => void) | undefined {
  return useCallback(
    (element: HTMLDivElement | null) => {
      scrollerRef.current = element;
      if (element === null) return;
      const size = (): void => measure(element, probeRef.current);
      size();
      const observer = new ResizeObserver(size);
      observer.observe(element);
      // The font may arrive after the first layout, with other cell widths.
      void document.fonts?.ready.then(size);
      const onWheel = (event: globalThis.WheelEvent): void => {
        const g = geometry.current;
        // Stop following before the browser scrolls, so new output cannot pull the view back.
        if (event.deltaY < 0) setFollowing(false);
        if (g === null || g.scale <= 1 || event.ctrlKey) return;
        event.preventDefault();
        const unit = wheelUnit(event.deltaMode, element.clientHeight);
        scrollByContent(event.deltaY * unit);
        element.scrollLeft += event.deltaX * unit;
      };
      const onKeyDown = (event: KeyboardEvent): void => {
        const g = geometry.current;
        if (g === null || g.scale <= 1 || event.altKey || event.ctrlKey || event.metaKey) return;
        if (event.target !== element && event.target instanceof HTMLInputElement) return;
        const step = keyStep(event.key, event.shiftKey, element.clientHeight);
        if (step === undefined) return;
        event.preventDefault();
        scrollByContent(step);
      };
      element.addEventListener('wheel', onWheel, { passive: false });
      element.addEventListener('keydown', onKeyDown);
      return () => {
        observer.disconnect();
        element.removeEventListener('wheel', onWheel);
        element.removeEventListener('keydown', onKeyDown);
        scrollerRef.current = null;
      };
    },
    [scrollerRef, probeRef, measure, geometry, scrollByContent, setFollowing],
  );
}
