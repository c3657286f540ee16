import {
  type Dispatch,
  type Ref,
  type RefObject,
  type SetStateAction,
  useCallback,
  useImperativeHandle,
  useLayoutEffect,
  useRef,
} from 'react';
import {
  type Anchor,
  type Geometry,
  anchorAt,
  keyStep,
  revealTop,
  topRow,
  wheelUnit,
} from './terminal-geometry';

/** What the output area can ask of the view. */
export interface TerminalHandle {
  /** Brings row `row` into view (a third from the top, unless it is in view) and stops following. */
  reveal(row: number): void;
  /** Goes to the first row, and stops following. */
  top(): void;
  /** Follows the end, or stops where the view is. */
  follow(on: boolean): void;
  /** The row at the top of the view. */
  topRow(): number;
  focus(): void;
}

/**
 * Keeps the scrollbar and the view's anchor in step. The view decides where it is (a row of the
 * output), the browser only shows it: each render puts the scrollbar where the geometry says when
 * following, when the range is scaled or after a jump, and a scroll the view did not make itself
 * is the user's, which moves the anchor (and stops following, unless it reached the end).
 */
export function useTerminalScroll(
  current: Geometry,
  setAnchor: (anchor: Anchor) => void,
  onFollowingChange: (following: boolean) => void,
) {
  const scrollerRef = useRef<HTMLDivElement | null>(null);
  // The handlers run between renders: they read what the last one drew from here.
  const geometry = useRef<Geometry | null>(null);
  /** The scrollTop this view set last: the scroll event that follows is not the user's. */
  const ownScrollTop = useRef(Number.NaN);
  /** The next render must put the scrollbar where the view is (a jump, a new layout). */
  const syncScroll = useRef(false);

  /** Puts the view's top at content position `at` (clamped), as a row and an offset. */
  const placeAt = useCallback(
    (at: number): void => {
      const g = geometry.current;
      const anchor = g === null ? null : anchorAt(g, at);
      if (anchor !== null) setAnchor(anchor);
    },
    [setAnchor],
  );

  /** Stops following and moves the view's top to `at`; `sync`: the scrollbar must follow. */
  const moveTo = useCallback(
    (at: number, sync: boolean): void => {
      const g = geometry.current;
      if (g === null) return;
      if (g.following) onFollowingChange(false);
      geometry.current = { ...g, top: at, following: false };
      if (sync) syncScroll.current = true;
      placeAt(at);
    },
    [onFollowingChange, placeAt],
  );

  useLayoutEffect(() => {
    const before = geometry.current;
    geometry.current = current;
    const element = scrollerRef.current;
    if (element === null) return;
    let wanted: number | null = null;
    if (current.following) {
      // Moved up since this view last put it at the end, with the scroll event still to come
      // (a scrollbar drag while output streams): the user's move wins over following. (Not
      // when the range shrank or the view grew: then the browser moved it.)
      const own = ownScrollTop.current;
      const unclamped =
        before !== null && before.spacer <= current.spacer && before.height >= current.height;
      if (unclamped && element.scrollTop < own - 1) {
        ownScrollTop.current = Number.NaN;
        moveTo(element.scrollTop * current.scale, false);
        return;
      }
      wanted = current.maxScroll;
    } else if (current.scale > 1 || syncScroll.current || before?.layout !== current.layout) {
      // Unscaled, the browser keeps the place itself (and animates its own scrolling).
      wanted = Math.round(current.top / current.scale);
    }
    syncScroll.current = false;
    if (wanted !== null && Math.abs(element.scrollTop - wanted) >= 1) {
      element.scrollTop = wanted;
      ownScrollTop.current = element.scrollTop;
    }
  });

  const setFollowing = useCallback(
    (on: boolean): void => {
      const g = geometry.current;
      if (g === null || g.following === on) return;
      // Stopping holds the view where it is (the end), not where it was before following.
      if (!on) placeAt(g.top);
      geometry.current = { ...g, following: on };
      onFollowingChange(on);
    },
    [onFollowingChange, placeAt],
  );

  /** Moves by content pixels: in a scaled range the browser's own steps would skip lines. */
  const scrollByContent = useCallback(
    (pixels: number): void => {
      const g = geometry.current;
      if (g === null) return;
      const target = Math.max(0, Math.min(g.top + pixels, g.maxTop));
      if (pixels > 0 && target >= g.maxTop) setFollowing(true);
      else moveTo(target, false);
    },
    [moveTo, setFollowing],
  );

  const onScroll = useCallback(() => {
    const element = scrollerRef.current;
    const g = geometry.current;
    if (element === null || g === null) return;
    const now = element.scrollTop;
    if (Math.abs(now - ownScrollTop.current) < 0.5) return;
    ownScrollTop.current = Number.NaN;
    if (now >= element.scrollHeight - element.clientHeight - 4) setFollowing(true);
    // The user moved the scrollbar: the view goes where it points.
    else moveTo(now * g.scale, false);
  }, [moveTo, setFollowing]);

  return { scrollerRef, geometry, moveTo, setFollowing, scrollByContent, onScroll };
}

/** The scroll machinery as useTerminalScroll returns it. */
type TerminalScroll = ReturnType<typeof useTerminalScroll>;

/** What the output area may ask of the view (TerminalHandle), over its scroll machinery. */
export function useTerminalHandle(handle: Ref<TerminalHandle> | undefined, scroll: TerminalScroll) {
  const { geometry, moveTo, setFollowing, scrollerRef } = scroll;
  useImperativeHandle(
    handle,
    () => ({
      reveal(row) {
        const g = geometry.current;
        if (g === null || g.list.count === 0) return;
        const target = revealTop(g, row);
        if (target === null) setFollowing(false);
        else moveTo(target, true);
      },
      top() {
        moveTo(0, true);
      },
      follow: setFollowing,
      topRow() {
        const g = geometry.current;
        return g === null ? 0 : topRow(g);
      },
      focus() {
        scrollerRef.current?.focus();
      },
    }),
    [geometry, moveTo, setFollowing, scrollerRef],
  );
}

/** The scroller's inner size and the width of one cell of the monospace font, in pixels. */
export interface ScrollerSize {
  readonly height: number;
  readonly width: number;
  readonly cell: number;
}

/**
 * The scroller's size and the font's cell width (from a probe of ten characters), kept current
 * with a ResizeObserver; and, in a scaled range, the wheel and scrolling keys moved by content
 * pixels, since the browser's own steps would skip lines. Returns the scroller's ref callback.
 */
export function useScroller(
  scroll: TerminalScroll,
  probeRef: RefObject<HTMLSpanElement | null>,
  setSize: Dispatch<SetStateAction<ScrollerSize>>,
) {
  const { scrollerRef, geometry, scrollByContent, setFollowing } = scroll;
  const measure = useCallback(
    (element: HTMLDivElement | null) => {
      scrollerRef.current = element;
      if (element === null) return;
      const resize = (): void => {
        // Read here, not in the updater: React may run that during a render, forcing a layout.
        const height = element.clientHeight;
        const width = element.clientWidth;
        const probe = probeRef.current;
        const measured = probe === null ? null : probe.getBoundingClientRect().width / 10;
        setSize((was) => {
          const cell = measured ?? was.cell;
          const same = height === was.height && width === was.width && cell === was.cell;
          return same ? was : { height, width, cell };
        });
      };
      resize();
      const observer = new ResizeObserver(resize);
      observer.observe(element);
      // The font may arrive after the first layout, with other cell widths.
      void document.fonts?.ready.then(resize);
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
    [scrollerRef, geometry, probeRef, scrollByContent, setFollowing, setSize],
  );
  return measure;
}
