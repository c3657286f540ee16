import { describe, expect, it } from 'vitest';
import { markSegments } from './highlight';
import { BOLD, DEFAULT_SGR, type SgrState } from './sgr';

const bold: SgrState = { fg: 1, bg: -1, flags: BOLD };

function shown(marked: ReturnType<typeof markSegments>): string {
  return marked
    .map((s) => {
      const text = s.state === bold ? `*${s.text}*` : s.text;
      return s.mark === 'none' ? text : s.mark === 'current' ? `[[${text}]]` : `[${text}]`;
    })
    .join('');
}

describe('markSegments', () => {
  it('marks matches inside one segment, the current one apart', () => {
    const segments = [{ text: 'error: disk error', state: DEFAULT_SGR }];
    expect(shown(markSegments(segments, [0, 12], 5, 12))).toBe('[error]: disk [[error]]');
    expect(shown(markSegments(segments, [], 5, -1))).toBe('error: disk error');
  });

  it('cuts a match that spans colours into pieces that keep them', () => {
    const segments = [
      { text: 'fail', state: DEFAULT_SGR },
      { text: 'ed: ', state: bold },
      { text: 'x', state: DEFAULT_SGR },
    ];
    expect(shown(markSegments(segments, [2], 4, -1))).toBe('fa[il][*ed*]*: *x');
    expect(
      markSegments(segments, [2], 4, -1)
        .map((s) => s.text)
        .join(''),
    ).toBe('failed: x');
  });

  it('marks a match at the very end and one that fills a segment', () => {
    const segments = [
      { text: 'ab', state: bold },
      { text: 'cab', state: DEFAULT_SGR },
    ];
    expect(shown(markSegments(segments, [0, 3], 2, 0))).toBe('[[*ab*]]c[ab]');
  });
});
