import { describe, expect, it } from 'vitest';
import { displayWidth } from './text-width';

describe('displayWidth', () => {
  it.each([
    ['', 0],
    ['hello', 5],
    ['\tx', 9],
    ['ab\tc', 9],
    ['12345678\tx', 17],
    ['日本語', 6],
    ['한국', 4],
    ['e\u0301', 1],
    ['🙂 ok', 5],
    ['\u0007bell', 5],
    ['é', 1],
  ] as const)('%j takes %i cells', (text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
});
