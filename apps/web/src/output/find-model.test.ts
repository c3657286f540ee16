import { describe, expect, it } from 'vitest';
import { describeLines, findStatus, firstCurrent, searchPercent, stepMatch } from './find-model';

const search = (count: number, done: boolean, searchedRows = 0) => ({ count, done, searchedRows });

describe('findStatus', () => {
  it.each([
    [search(0, false), false, null, ''],
    [search(0, false), true, null, 'Searching…'],
    [search(0, true), true, null, 'No matches'],
    [search(1, false), true, null, '1 match'],
    [search(1200, true), true, null, `${(1200).toLocaleString()} matches`],
    [search(3, true), true, 1, '2 of 3'],
  ] as const)('%o active %s current %s: %s', (state, active, current, expected) => {
    expect(findStatus(state, active, current)).toBe(expected);
  });
});

describe('searchPercent', () => {
  it('shows progress only when far behind the output', () => {
    expect(searchPercent(search(0, false, 50_000), true, 500_000)).toBe(10);
    expect(searchPercent(search(0, false, 450_000), true, 500_000)).toBeNull();
    expect(searchPercent(search(0, false, 0), false, 500_000)).toBeNull();
  });
});

describe('stepMatch', () => {
  it('goes round from the current match', () => {
    expect(stepMatch(3, 2, 0, 1)).toBe(0);
    expect(stepMatch(3, 0, 0, -1)).toBe(2);
  });

  it('starts from the view without a current match', () => {
    expect(stepMatch(5, null, 3, 1)).toBe(3);
    expect(stepMatch(5, null, 3, -1)).toBe(2);
    expect(stepMatch(5, null, 5, 1)).toBe(0);
    expect(stepMatch(0, null, 0, 1)).toBeNull();
  });
});

describe('firstCurrent', () => {
  it('takes the first match after the view, else the first once the search is done', () => {
    expect(firstCurrent(search(4, false), 2)).toBe(2);
    expect(firstCurrent(search(4, false), 4)).toBeNull();
    expect(firstCurrent(search(4, true), 4)).toBe(0);
    expect(firstCurrent(search(0, true), 0)).toBeNull();
  });
});

describe('describeLines', () => {
  it('names one line or a range', () => {
    expect(describeLines(7, 7)).toBe('line 7');
    expect(describeLines(7, 9)).toBe('lines 7–9');
  });
});
