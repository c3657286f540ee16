import { type RefObject, useCallback, useLayoutEffect, useRef } from 'react';
import { type Anchor, type Geometry, anchorAt } from './terminal-geometry';

/** The view's moves, and what they work from: what the last render drew. */
export interface ScrollSync {
  /** What the last render drew: the handlers run between renders and read it from here. */
  readonly geometry: RefObject<Geometry | null>;
  /** Set to make the next render put the scrollbar where the view is (a jump). */
  readonly syncScroll: RefObject<boolean>;
  /** Puts the view's top at content position `at` (clamped), as a row and an offset. */
  readonly placeAt: (at: number) => void;
  /** Follows the end, or stops where the view is. */
  readonly setFollowing: (on: boolean) => void;
  /** Moves by content pixels: in a scaled range the browser's own steps would skip lines. */
  readonly scrollByContent: (pixels: number) => void;
  /** The scroller's scroll event: the user's moves of the scrollbar. */
  readonly onScroll: () => void;
}

/**
 * Keeps the scrollbar and the view's anchor in step. After each render the scrollbar is put where
 * the view is (at the end while following; where the range is scaled, the layout changed or a
 * jump asked for it); a scroll the view did not make is the user's, and moves the anchor.
 */
export function useScrollSync(
  view: Geometry,
  scrollerRef: RefObject<HTMLDivElement | null>,
  setAnchor: (anchor: Anchor) => void,
  onFollowingChange: (following: boolean) => void,
): ScrollSync {
  const geometry = useRef<Geometry | null>(null);
  /** The scrollTop this view set last: the scroll event that follows is not the user's. */
  const ownScrollTop = useRef(Number.NaN);
  const syncScroll = useRef(false);

  const placeAt = useCallback(
    (at: number): void => {
      const g = geometry.current;
      const placed = g === null ? null : anchorAt(g, at);
      if (placed !== null) setAnchor(placed);
    },
    [setAnchor],
  );

  useLayoutEffect(() => {
    const before = geometry.current;
    geometry.current = view;
    const element = scrollerRef.current;
    if (element === null) return;
    const { following, spacer, height, scale } = view;
    let wanted: number | null = null;
    if (following) {
      // Moved up since this view last put it at the end, with the scroll event still to come
      // (a scrollbar drag while output streams): the user's move wins over following. (Not
      // when the range shrank or the view grew: then the browser moved it.)
      const own = ownScrollTop.current;
      const unclamped = before !== null && before.spacer <= spacer && before.height >= height;
      if (unclamped && element.scrollTop < own - 1) {
        ownScrollTop.current = Number.NaN;
        geometry.current = { ...view, top: element.scrollTop * scale, following: false };
        placeAt(element.scrollTop * scale);
        onFollowingChange(false);
        return;
      }
      wanted = view.maxScroll;
    } else if (scale > 1 || syncScroll.current || before?.layout !== view.layout) {
      // Unscaled, the browser keeps the place itself (and animates its own scrolling).
      wanted = Math.round(view.top / scale);
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

  const scrollByContent = useCallback(
    (pixels: number): void => {
      const g = geometry.current;
      if (g === null) return;
      const target = Math.max(0, Math.min(g.top + pixels, g.maxTop));
      if (pixels > 0 && target >= g.maxTop) {
        setFollowing(true);
        return;
      }
      if (g.following) onFollowingChange(false);
      geometry.current = { ...g, top: target, following: false };
      placeAt(target);
    },
    [onFollowingChange, placeAt, setFollowing],
  );

  const onScroll = useCallback(() => {
    const element = scrollerRef.current;
    const g = geometry.current;
    if (element === null || g === null) return;
    const now = element.scrollTop;
    if (Math.abs(now - ownScrollTop.current) < 0.5) return;
    ownScrollTop.current = Number.NaN;
    if (now >= element.scrollHeight - element.clientHeight - 4) {
      setFollowing(true);
      return;
    }
    // The user moved the scrollbar: the view goes where it points.
    if (g.following) onFollowingChange(false);
    geometry.current = { ...g, top: now * g.scale, following: false };
    placeAt(now * g.scale);
  }, [scrollerRef, onFollowingChange, placeAt, setFollowing]);

  return { geometry, syncScroll, placeAt, setFollowing, scrollByContent, onScroll };
}
