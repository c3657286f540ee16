import { type Ref, type RefObject, useImperativeHandle } from 'react';
import { type Geometry, revealTop, topRow } from './terminal-geometry';
import type { TerminalHandle } from './terminal-types';

/** What the handle works with: what the last render drew, and the view's own moves. */
export interface HandleParts {
  readonly geometry: RefObject<Geometry | null>;
  /** Set to make the next render put the scrollbar where the view is. */
  readonly syncScroll: RefObject<boolean>;
  readonly scrollerRef: RefObject<HTMLDivElement | null>;
  readonly placeAt: (at: number) => void;
  readonly setFollowing: (on: boolean) => void;
  readonly onFollowingChange: (following: boolean) => void;
}

/**
 * The terminal's handle for the output area: reveal a row (a third from the top, unless it is in
 * view), go to the top, follow or stop, the row at the top, focus. A jump stops following and
 * makes the next render move the scrollbar.
 */
export function useTerminalHandle(
  handle: Ref<TerminalHandle> | undefined,
  { geometry, syncScroll, scrollerRef, placeAt, setFollowing, onFollowingChange }: HandleParts,
): void {
  useImperativeHandle(
    handle,
    () => ({
      reveal(row) {
        const g = geometry.current;
        if (g === null || g.list.count === 0) return;
        const target = revealTop(g, row);
        if (target === null) {
          setFollowing(false);
          return;
        }
        if (g.following) onFollowingChange(false);
        geometry.current = { ...g, top: target, following: false };
        syncScroll.current = true;
        placeAt(target);
      },
      top() {
        const g = geometry.current;
        if (g === null) return;
        if (g.following) onFollowingChange(false);
        geometry.current = { ...g, top: 0, following: false };
        syncScroll.current = true;
        placeAt(0);
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
    [geometry, syncScroll, scrollerRef, onFollowingChange, placeAt, setFollowing],
  );
}
