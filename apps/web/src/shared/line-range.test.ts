import { describe, expect, it } from 'vitest';
import { extendLineRange, formatLineRange, parseLineRange } from './line-range';

describe('line ranges', () => {
  it.each([
    ['L1', { from: 1, to: 1 }],
    ['L120', { from: 120, to: 120 }],
    ['L120-L140', { from: 120, to: 140 }],
    ['L140-L120', { from: 120, to: 140 }],
    ['L7-L7', { from: 7, to: 7 }],
    ['L0', null],
    ['L01', null],
    ['L120-140', null],
    ['l120', null],
    ['L', null],
    ['L12a', null],
    ['L1-L2-L3', null],
    ['L12345678901', null],
    ['', null],
  ] as const)('reads %j', (text, range) => {
    expect(parseLineRange(text)).toEqual(range);
  });

  it('writes what it reads', () => {
    for (const range of [
      { from: 1, to: 1 },
      { from: 5, to: 9 },
      { from: 7_000_000, to: 7_000_000 },
    ]) {
      expect(parseLineRange(formatLineRange(range))).toEqual(range);
    }
    expect(formatLineRange({ from: 3, to: 3 })).toBe('L3');
  });

  it('extends from where the selection started, either way', () => {
    expect(extendLineRange(null, 12)).toEqual({ from: 12, to: 12 });
    expect(extendLineRange({ from: 10, to: 10 }, 14)).toEqual({ from: 10, to: 14 });
    expect(extendLineRange({ from: 10, to: 14 }, 4)).toEqual({ from: 4, to: 10 });
    expect(extendLineRange({ from: 10, to: 14 }, 12)).toEqual({ from: 10, to: 12 });
  });
});
