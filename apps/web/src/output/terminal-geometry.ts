import type { RowLayout, RowList } from './row-layout';
import { scrollRange } from './virtual-rows';

/** Every line is this tall: the position of any row is known without measuring anything. */
export const ROW_HEIGHT = 20;
/**
 * Browsers cap an element's height (Firefox near 17.9 million px): beyond this the scroll range
 * is scaled, so millions of lines stay reachable with the scrollbar.
 */
const MAX_SCROLL_HEIGHT = 8_000_000;
/** Rows drawn beyond each edge, so fast scrolling shows no blank band. */
export const OVERSCAN = 12;

/** Where the view is: a row of the output and how far into it, so no layout change moves it. */
export interface Anchor {
  readonly row: number;
  readonly offset: number;
}

/** What one render draws, worked out from the rows, their layout, the view and where it is. */
export interface Geometry {
  readonly list: RowList;
  readonly layout: RowLayout;
  /** The view's top, in content pixels (unscaled). */
  readonly top: number;
  readonly maxTop: number;
  /** Content pixels per scrollbar pixel (above 1 when the range is scaled). */
  readonly scale: number;
  /** The view's height in pixels. */
  readonly height: number;
  /** The scroll range's height: the spacer's. */
  readonly spacer: number;
  readonly maxScroll: number;
  readonly following: boolean;
  /** The first item drawn (overscan included) and the line it starts on. */
  readonly start: number;
  readonly startLine: number;
  /** Where the drawn window sits in the spacer. */
  readonly windowTop: number;
  /** All rows take more room than the view. */
  readonly scrollable: boolean;
}

/**
 * Places the view: at the end while following, else at the anchor's row (clamped to the
 * content), and works out which items to draw and where.
 */
export function geometryOf(
  list: RowList,
  layout: RowLayout,
  height: number,
  anchor: Anchor,
  following: boolean,
): Geometry {
  const content = layout.lines * ROW_HEIGHT;
  const { spacer, maxScroll, maxTop, scale } = scrollRange(content, height, MAX_SCROLL_HEIGHT);
  const anchorItem = Math.min(list.itemFrom(anchor.row), Math.max(0, list.count - 1));
  const top = following
    ? maxTop
    : Math.max(0, Math.min(layout.lineOf(anchorItem) * ROW_HEIGHT + anchor.offset, maxTop));
  const firstItem = layout.itemAt(Math.floor(top / ROW_HEIGHT));
  const start = Math.max(0, firstItem - OVERSCAN);
  const startLine = layout.lineOf(start);
  return {
    list,
    layout,
    top,
    maxTop,
    scale,
    height,
    spacer,
    maxScroll,
    following,
    start,
    startLine,
    // In spacer pixels: the view's top is at top / scale there.
    windowTop: top / scale - (top - startLine * ROW_HEIGHT),
    scrollable: content > height,
  };
}

/** The anchor for a view whose top is at content position `at` (clamped); null with no rows. */
export function anchorAt(g: Geometry, at: number): Anchor | null {
  if (g.list.count === 0) return null;
  const clamped = Math.max(0, Math.min(at, g.maxTop));
  const item = g.layout.itemAt(Math.floor(clamped / ROW_HEIGHT));
  return { row: g.list.rowAt(item), offset: clamped - g.layout.lineOf(item) * ROW_HEIGHT };
}

/**
 * Where the view's top goes to show row `row`: null when it is wholly in view already (the view
 * stays), else the row a third of the way down, where the eye finds it with context above.
 */
export function revealTop(g: Geometry, row: number): number | null {
  const item = Math.min(g.list.itemFrom(row), g.list.count - 1);
  const from = g.layout.lineOf(item) * ROW_HEIGHT;
  const to = from + g.layout.linesOf(item) * ROW_HEIGHT;
  if (from >= g.top && to <= g.top + g.height) return null;
  return from - Math.floor(g.height / 3);
}

/** The row at the top of the view. */
export function topRow(g: Geometry): number {
  if (g.list.count === 0) return 0;
  return g.list.rowAt(g.layout.itemAt(Math.floor(g.top / ROW_HEIGHT)));
}

/**
 * How far a scrolling key moves, in content pixels, for a view `viewHeight` tall; undefined for
 * other keys. Needed only in a scaled range, where the browser's own steps would skip lines.
 */
export function keyStep(key: string, shift: boolean, viewHeight: number): number | undefined {
  const page = viewHeight - ROW_HEIGHT;
  switch (key) {
    case 'ArrowDown':
      return ROW_HEIGHT;
    case 'ArrowUp':
      return -ROW_HEIGHT;
    case 'PageDown':
      return page;
    case 'PageUp':
      return -page;
    case ' ':
      return shift ? -page : page;
    default:
      return undefined;
  }
}

/** Pixels per unit of a wheel event's delta (its deltaMode: pixels, lines or pages). */
export function wheelUnit(deltaMode: number, viewHeight: number): number {
  return deltaMode === 1 ? ROW_HEIGHT : deltaMode === 2 ? viewHeight : 1;
}
