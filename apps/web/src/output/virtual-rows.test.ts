import { describe, expect, it } from 'vitest';
import { visibleRows } from './virtual-rows';

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
