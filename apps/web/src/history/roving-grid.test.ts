import { describe, expect, it } from 'vitest';
import { moveInGrid } from './roving-grid';

describe('moveInGrid', () => {
  const at = { row: 2, col: 1 };
  it.each([
    ['ArrowDown', { row: 3, col: 1 }],
    ['ArrowUp', { row: 1, col: 1 }],
    ['ArrowRight', { row: 2, col: 2 }],
    ['ArrowLeft', { row: 2, col: 0 }],
    ['Home', { row: 0, col: 0 }],
    ['End', { row: 4, col: 0 }],
    ['Enter', null],
    ['a', null],
  ])('%s from (2, 1) in 5 x 3', (key, next) => {
    expect(moveInGrid(at, key, 5, 3)).toEqual(next);
  });

  it('stops at the edges instead of wrapping', () => {
    expect(moveInGrid({ row: 0, col: 0 }, 'ArrowUp', 5, 3)).toEqual({ row: 0, col: 0 });
    expect(moveInGrid({ row: 4, col: 2 }, 'ArrowDown', 5, 3)).toEqual({ row: 4, col: 2 });
    expect(moveInGrid({ row: 4, col: 2 }, 'ArrowRight', 5, 3)).toEqual({ row: 4, col: 2 });
    expect(moveInGrid({ row: 0, col: 0 }, 'ArrowDown', 0, 3)).toBeNull();
  });
});
