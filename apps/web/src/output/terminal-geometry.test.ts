import { describe, expect, it } from 'vitest';
import { WrapLayout, allRows, flatLayout } from './row-layout';
import {
  ROW_HEIGHT,
  anchorAt,
  geometryOf,
  keyStep,
  revealTop,
  topRow,
  wheelUnit,
} from './terminal-geometry';

const rows = (count: number) => allRows({ rowCount: count, completedRows: count });
/** A view 10 rows tall over `count` rows of one line each. */
const view = (count: number, row: number, offset: number, following: boolean) =>
  geometryOf(rows(count), flatLayout(count), 10 * ROW_HEIGHT, { row, offset }, following);

describe('geometryOf', () => {
  it('sits at the end while following, and at the anchor row otherwise', () => {
    expect(view(100, 0, 0, true).top).toBe(90 * ROW_HEIGHT);
    expect(view(100, 40, 5, false).top).toBe(40 * ROW_HEIGHT + 5);
    expect(view(100, 95, 0, false).top).toBe(90 * ROW_HEIGHT);
  });

  it('draws from the overscan before the first row in view', () => {
    const g = view(100, 40, 0, false);
    expect(g.start).toBe(28);
    expect(g.startLine).toBe(28);
    expect(g.windowTop).toBe(28 * ROW_HEIGHT);
    expect(g.scrollable).toBe(true);
    expect(view(5, 0, 0, false).scrollable).toBe(false);
  });

  it('scales the scroll range of millions of rows, keeping the window at the view', () => {
    const g = view(2_000_000, 1_000_000, 0, false);
    expect(g.scale).toBeGreaterThan(1);
    expect(g.spacer).toBeLessThan(2_000_000 * ROW_HEIGHT);
    expect(g.top).toBe(1_000_000 * ROW_HEIGHT);
    // The window's top in spacer pixels is the view's, less the overscan above it.
    expect(g.windowTop).toBeCloseTo(g.top / g.scale - 12 * ROW_HEIGHT, 6);
  });

  it('places wrapped rows by their lines', () => {
    const list = rows(3);
    const layout = new WrapLayout((item) => [10, 35, 10][item] ?? 0, 10).update(3, 3);
    const g = geometryOf(list, layout, ROW_HEIGHT, { row: 2, offset: 0 }, false);
    expect(g.top).toBe(5 * ROW_HEIGHT);
  });
});

describe('moving the view', () => {
  const g = view(100, 40, 0, false);

  it('anchors a content position to its row and the offset into it, clamped', () => {
    expect(anchorAt(g, 20 * ROW_HEIGHT + 7)).toEqual({ row: 20, offset: 7 });
    expect(anchorAt(g, 10_000 * ROW_HEIGHT)).toEqual({ row: 90, offset: 0 });
    expect(anchorAt(view(0, 0, 0, false), 0)).toBeNull();
  });

  it('leaves a row in view where it is, and brings another a third of the way down', () => {
    expect(revealTop(g, 45)).toBeNull();
    expect(revealTop(g, 70)).toBe(70 * ROW_HEIGHT - Math.floor((10 * ROW_HEIGHT) / 3));
  });

  it('names the row at the top', () => {
    expect(topRow(g)).toBe(40);
    expect(topRow(view(0, 0, 0, false))).toBe(0);
  });

  it('steps by a line, a page less a line, or Space for a page either way', () => {
    expect(keyStep('ArrowDown', false, 200)).toBe(ROW_HEIGHT);
    expect(keyStep('PageUp', false, 200)).toBe(-(200 - ROW_HEIGHT));
    expect(keyStep(' ', true, 200)).toBe(-(200 - ROW_HEIGHT));
    expect(keyStep('a', false, 200)).toBeUndefined();
    expect([0, 1, 2].map((mode) => wheelUnit(mode, 300))).toEqual([1, ROW_HEIGHT, 300]);
  });
});
