import { describe, expect, it } from 'vitest';
import { formatRelative } from './relative-time';

/** Local times, so that "yesterday" means the same in every time zone the test runs in. */
const at = (day: number, hour: number, minute = 0, second = 0): number =>
  new Date(2026, 10, day, hour, minute, second).getTime();
const NOW = at(27, 18, 15, 0);

describe('formatRelative', () => {
  it.each([
    [NOW, 'just now'],
    [NOW + 5_000, 'just now'],
    [NOW - 9_000, 'just now'],
    [NOW - 10_000, '10 s ago'],
    [NOW - 59_000, '59 s ago'],
    [NOW - 60_000, '1 min ago'],
    [NOW - 3 * 60_000 - 20_000, '3 min ago'],
    [NOW - 59 * 60_000, '59 min ago'],
    [at(27, 16, 0), '2 h ago'],
    [at(27, 0, 1), '18 h ago'],
    [at(26, 23, 0), 'yesterday'],
    [at(26, 1, 0), 'yesterday'],
    [at(25, 20, 0), '2 days ago'],
    [at(21, 9, 0), '6 days ago'],
  ])('%i: %s', (time, text) => {
    expect(formatRelative(time, NOW)).toBe(text);
  });

  it('gives the date after a week, with the year when it is not this one', () => {
    const weekAgo = at(20, 9, 0);
    expect(formatRelative(weekAgo, NOW)).toBe(
      new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' }).format(weekAgo),
    );
    const lastYear = new Date(2025, 11, 31, 12).getTime();
    expect(formatRelative(lastYear, NOW)).toContain('2025');
  });

  it('counts hours before midnight as hours, not as yesterday', () => {
    const justAfterMidnight = at(27, 0, 30);
    expect(formatRelative(at(26, 22, 0), justAfterMidnight)).toBe('2 h ago');
  });
});
