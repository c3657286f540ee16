import { describe, expect, it } from 'vitest';
import { LINE_TIME_CHARS, clockTime, elapsedTime, lineTime } from './line-times';

describe('line times', () => {
  it('shows the time of day to the millisecond, in the local time zone', () => {
    const at = new Date(2025, 0, 2, 9, 4, 5, 7).getTime();
    expect(clockTime(at)).toBe('09:04:05.007');
    expect(clockTime(at)).toHaveLength(LINE_TIME_CHARS);
  });

  it('shows the time since the start, never negative', () => {
    const start = 1_700_000_000_000;
    expect(elapsedTime(start + 5_123, start)).toBe('+5.123');
    expect(elapsedTime(start + 125_004, start)).toBe('+2:05.004');
    expect(elapsedTime(start + 3_725_010, start)).toBe('+1:02:05.010');
    expect(elapsedTime(start - 20, start)).toBe('+0.000');
    expect(elapsedTime(start + 9 * 3_600_000 + 3_599_999, start).length).toBeLessThanOrEqual(
      LINE_TIME_CHARS,
    );
  });

  it('shows nothing for a continuation row, an unknown time, or a missing start', () => {
    expect(lineTime(null, 1, 'clock', 0)).toBe('');
    expect(lineTime(5, null, 'clock', 0)).toBe('');
    expect(lineTime(5, 1, 'elapsed', null)).toBe('');
    expect(lineTime(1_005, 1, 'elapsed', 1_000)).toBe('+0.005');
  });
});
