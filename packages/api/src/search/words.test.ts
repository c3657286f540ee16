import { describe, expect, it } from 'vitest';
import { MATCH_END, MATCH_START } from './snippet.js';
import { MAX_SEARCH_WORDS, markedExcerpt, searchWords } from './words.js';

describe('searchWords', () => {
  it('splits on whitespace and drops words without a letter or digit', () => {
    expect(searchWords('  disk   quota -- " * 10.0.0.5 ')).toEqual(['disk', 'quota', '10.0.0.5']);
    expect(searchWords('')).toEqual([]);
    expect(searchWords('a '.repeat(40))).toHaveLength(MAX_SEARCH_WORDS);
  });
});

describe('markedExcerpt (the in-memory reference match)', () => {
  it('needs every word, whole, case and accents folded, and marks each', () => {
    const text = 'Café closed: disk QUOTA exceeded on 10.0.0.5';
    expect(markedExcerpt(text, ['quota', 'cafe'])).toBe(
      `${MATCH_START}Café${MATCH_END} closed: disk ${MATCH_START}QUOTA${MATCH_END} exceeded on 10.0.0.5`,
    );
    expect(markedExcerpt(text, ['10.0.0.5'])).toContain(`${MATCH_START}10.0.0.5${MATCH_END}`);
    expect(markedExcerpt(text, ['quot'])).toBeNull();
    expect(markedExcerpt(text, ['quota', 'absent'])).toBeNull();
    expect(markedExcerpt(text, [])).toBeNull();
  });
});
