import { describe, expect, it } from 'vitest';
import { NO_FILTERS, historyQuery, isFiltered } from './history-query';

describe('historyQuery', () => {
  it('asks for a page without filters, and never for a run’s hosts', () => {
    const query = historyQuery(NO_FILTERS, 25);
    expect(query).toEqual({
      limit: 25,
      text: undefined,
      target: undefined,
      status: undefined,
      username: undefined,
      excludeRuns: true,
    });
    expect(isFiltered(query)).toBe(false);
  });

  it.each([
    [{ search: 'error' }, { text: 'error' }],
    [{ target: 'web-1' }, { target: 'web-1' }],
    [{ status: 'failed' as const }, { status: 'failed' }],
    [{ user: 'bob' }, { username: 'bob' }],
  ])('filters on %o', (set, expected) => {
    const query = historyQuery({ ...NO_FILTERS, ...set }, 25);
    expect(query).toMatchObject(expected);
    expect(isFiltered(query)).toBe(true);
  });
});
