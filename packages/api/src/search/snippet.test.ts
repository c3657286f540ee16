import { describe, expect, it } from 'vitest';
import { MATCH_END, MATCH_START, snippetParts } from './snippet.js';

const m = (word: string): string => `${MATCH_START}${word}${MATCH_END}`;

describe('snippetParts', () => {
  it('splits a marked snippet into plain and matched pieces', () => {
    expect(snippetParts(`disk ${m('quota')} exceeded for ${m('alice')}`)).toEqual([
      { text: 'disk ', match: false },
      { text: 'quota', match: true },
      { text: ' exceeded for ', match: false },
      { text: 'alice', match: true },
    ]);
  });

  it('folds whitespace and drops controls and bidi overrides', () => {
    expect(snippetParts(`  a\n\n\tb\x07 ${m('c\u202e')}  \n`)).toEqual([
      { text: 'a b ', match: false },
      { text: 'c', match: true },
    ]);
  });

  it('cuts a long snippet around the first match, marking the cuts', () => {
    const before = 'x'.repeat(500);
    const after = 'y'.repeat(500);
    const parts = snippetParts(`${before} ${m('needle')} ${after}`, 100);
    const text = parts.map((p) => p.text).join('');
    expect(text.length).toBeLessThanOrEqual(102);
    expect(text.startsWith('…')).toBe(true);
    expect(text.endsWith('…')).toBe(true);
    expect(parts.filter((p) => p.match)).toEqual([{ text: 'needle', match: true }]);
    // Some context before the match, more after it.
    const at = text.indexOf('needle');
    expect(at).toBeGreaterThan(20);
    expect(at).toBeLessThan(50);
  });

  it('keeps a match at the very end in view', () => {
    const parts = snippetParts(`${'x'.repeat(400)} ${m('end')}`, 50);
    expect(parts.at(-1)).toEqual({ text: 'end', match: true });
    expect(parts.map((p) => p.text).join('').length).toBeLessThanOrEqual(51);
  });

  it('a marker never shows, even unbalanced', () => {
    const parts = snippetParts(`a${MATCH_END}b${MATCH_START}c`);
    expect(parts.map((p) => p.text).join('')).toBe('abc');
  });
});
