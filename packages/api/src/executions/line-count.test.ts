import { describe, expect, it } from 'vitest';
import { LineCounter } from './line-count.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

function count(chunks: readonly (readonly ['stdout' | 'stderr', string])[]): number {
  const counter = new LineCounter();
  for (const [stream, text] of chunks) counter.add(stream, bytes(text));
  return counter.lines;
}

describe('LineCounter', () => {
  it.each([
    [[], 0],
    [[['stdout', '']], 0],
    [[['stdout', 'a\nb\n']], 2],
    [[['stdout', 'a\nb']], 2],
    [[['stdout', 'x']], 1],
    [[['stdout', '\n\n\n']], 3],
    // A line split across chunks is one line.
    [
      [
        ['stdout', 'hel'],
        ['stdout', 'lo\nwor'],
        ['stdout', 'ld\n'],
      ],
      2,
    ],
    // Each stream's unterminated last line counts, however the two interleaved.
    [
      [
        ['stdout', 'out'],
        ['stderr', 'err\nwarn'],
      ],
      3,
    ],
    [
      [
        ['stderr', 'e\n'],
        ['stdout', 'o\n'],
      ],
      2,
    ],
  ] as const)('%j is %i lines', (chunks, lines) => {
    expect(count(chunks)).toBe(lines);
  });
});
