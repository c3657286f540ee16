import { type RefObject, useLayoutEffect } from 'react';
import type { Match } from './output-search';

/**
 * A match far along a long row: brings the current match into view sideways too, clear of the
 * gutter (`indent` cells of `cell` pixels).
 */
export function useRevealMatch(
  scrollerRef: RefObject<HTMLDivElement | null>,
  currentMatch: Match | null,
  indent: number,
  cell: number,
): void {
  useLayoutEffect(() => {
    const element = scrollerRef.current;
    const mark = element?.querySelector<HTMLElement>('.term-match--current');
    if (element === null || mark === null || mark === undefined) return;
    const box = mark.getBoundingClientRect();
    const view = element.getBoundingClientRect();
    const gutter = indent * cell;
    if (box.left < view.left + gutter || box.right > view.right) {
      element.scrollLeft += box.left - view.left - gutter - view.width / 3;
    }
  }, [scrollerRef, currentMatch, indent, cell]);
}
