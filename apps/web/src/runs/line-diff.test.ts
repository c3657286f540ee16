import { describe, expect, it } from 'vitest';
import { lineDiff } from './line-diff';

const numbered = (n: number, change?: [number, string]): string =>
  Array.from({ length: n }, (_, i) => (change?.[0] === i + 1 ? change[1] : `line ${i + 1}`))
    .join('\n')
    .concat('\n');

describe('lineDiff', () => {
  it('shows a changed line with three lines of context and counts what changed', () => {
    const diff = lineDiff(numbered(20), numbered(20, [10, 'disk full']));
    expect(diff?.removed).toBe(1);
    expect(diff?.added).toBe(1);
    expect(diff?.rows).toEqual([
      { kind: 'skipped', count: 6 },
      { kind: 'same', text: 'line 7' },
      { kind: 'same', text: 'line 8' },
      { kind: 'same', text: 'line 9' },
      { kind: 'removed', text: 'line 10' },
      { kind: 'added', text: 'disk full' },
      { kind: 'same', text: 'line 11' },
      { kind: 'same', text: 'line 12' },
      { kind: 'same', text: 'line 13' },
      { kind: 'skipped', count: 7 },
    ]);
  });

  it('keeps short unchanged stretches whole and reports identical outputs as no change', () => {
    expect(lineDiff('a\nb\n', 'a\nc\n')?.rows).toEqual([
      { kind: 'same', text: 'a' },
      { kind: 'removed', text: 'b' },
      { kind: 'added', text: 'c' },
    ]);
    const same = lineDiff('a\nb\n', 'a\nb\n');
    expect(same).toMatchObject({ removed: 0, added: 0 });
    expect(lineDiff('', 'only here\n')?.rows).toEqual([{ kind: 'added', text: 'only here' }]);
  });
});
