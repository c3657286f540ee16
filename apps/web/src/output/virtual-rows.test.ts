import { describe, expect, it } from 'vitest';
import { scrollRange, visibleRows } from './virtual-rows';

describe('visibleRows', () => {
  it('draws the rows in view and the overscan, never past either end', () => {
    // 1,000 rows of 30 px in a 300 px view, scrolled to row 100.
    expect(visibleRows(3000, 300, 30, 1000, 5)).toEqual({
      start: 95,
      end: 116,
      offset: 2850,
      height: 30_000,
    });
    expect(visibleRows(0, 300, 30, 1000, 5)).toMatchObject({ start: 0, end: 16, offset: 0 });
    expect(visibleRows(29_700, 300, 30, 1000, 5)).toMatchObject({ start: 985, end: 1000 });
  });

  it('keeps a stale scroll position inside a list that shrank', () => {
    expect(visibleRows(29_700, 300, 30, 10, 5)).toEqual({
      start: 0,
      end: 10,
      offset: 0,
      height: 300,
    });
  });

  it('draws nothing for no rows, and only the overscan before the size is known', () => {
    expect(visibleRows(0, 300, 30, 0, 5)).toEqual({ start: 0, end: 0, offset: 0, height: 0 });
    expect(visibleRows(0, 0, 30, 1000, 5)).toMatchObject({ start: 0, end: 6 });
  });
});

describe('scrollRange', () => {
  it('is the content itself below the cap', () => {
    expect(scrollRange(10_000, 500, 8_000_000)).toEqual({
      spacer: 10_000,
      maxScroll: 9_500,
      maxTop: 9_500,
      scale: 1,
    });
    expect(scrollRange(300, 500, 8_000_000)).toMatchObject({ maxScroll: 0, maxTop: 0, scale: 1 });
  });

  it('scales past the cap, so a content position needs a smaller scrollTop as content grows', () => {
    const line = 800_000 * 20;
    const before = scrollRange(2_000_000 * 20, 600, 8_000_000);
    const after = scrollRange(3_000_000 * 20, 600, 8_000_000);
    expect(before.spacer).toBe(8_000_000);
    expect(after.spacer).toBe(8_000_000);
    expect(before.maxScroll * before.scale).toBeCloseTo(before.maxTop);
    // Where line 800,000 is on the scrollbar moves up as the output grows: the view must follow
    // it there, not keep the scrollTop (which would now show line 1.2 M).
    expect(line / after.scale).toBeLessThan(line / before.scale);
    expect(((line / before.scale) * after.scale) / 20).toBeCloseTo(1_200_000, -3);
  });
});
