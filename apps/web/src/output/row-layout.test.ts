import { describe, expect, it } from 'vitest';
import { WrapLayout, allRows, flatLayout } from './row-layout';

describe('row layouts', () => {
  it('gives every item one line when nothing wraps', () => {
    const flat = flatLayout(10);
    expect(flat.lines).toBe(10);
    expect(flat.lineOf(4)).toBe(4);
    expect(flat.itemAt(4.5)).toBe(4);
    expect(flat.itemAt(99)).toBe(9);
    const output = { rowCount: 10, completedRows: 8 };
    const all = allRows(output);
    expect(all.itemFrom(12)).toBe(10);
    output.rowCount = 11;
    expect([all.count, all.stable, all.rowAt(3)]).toEqual([11, 8, 3]);
  });

  it('wraps each item into as many lines as its cells need, across chunks', () => {
    // 5,000 items: every seventh is 250 cells wide (3 lines of 100), the others 40 (one line).
    const cells = (item: number): number => (item % 7 === 0 ? 250 : item === 4_999 ? 0 : 40);
    const layout = new WrapLayout(cells, 100).update(5_000, 4_998);
    const expected: number[] = [];
    let line = 0;
    for (let item = 0; item < 5_000; item += 1) {
      expected.push(line);
      line += item % 7 === 0 ? 3 : 1;
    }
    expect(layout.lines).toBe(line);
    for (const item of [0, 1, 7, 1_023, 1_024, 1_025, 3_071, 4_096, 4_998, 4_999]) {
      expect(layout.lineOf(item)).toBe(expected[item]);
      // Every line of an item leads back to it.
      for (let l = 0; l < layout.linesOf(item); l += 1) {
        expect(layout.itemAt((expected[item] ?? 0) + l)).toBe(item);
      }
    }
    expect(layout.itemAt(line + 10)).toBe(4_999);
  });

  it('grows with the list, the unstable end counted afresh', () => {
    let last = 10;
    const layout = new WrapLayout((item) => (item === 2_100 ? last : 10), 8);
    layout.update(2_101, 2_100);
    expect(layout.lines).toBe(2_100 * 2 + 2);
    last = 30;
    expect(layout.lines).toBe(2_100 * 2 + 4);
    layout.update(3_000, 3_000);
    expect(layout.lineOf(3_000)).toBe(2_100 * 2 + 4 + 899 * 2);
  });
});
