import { describe, expect, it } from 'vitest';
import { nestedQuantifier } from './regex-safety.js';

describe('nestedQuantifier', () => {
  it.each([
    ['(a+)+', '(a+)+'],
    ['^(a*)*$', '(a*)*'],
    ['(?:x+y)*', '(?:x+y)*'],
    ['((ab)+c)+', '((ab)+c)+'],
    ['(a{1,3}){2,}', '(a{1,3}){2,}'],
    ['([a-z]+/)+', '([a-z]+/)+'],
    ['(a|aa)+', '(a|aa)+'],
    ['^(?:x|y)*$', '(?:x|y)*'],
  ])('finds %s', (pattern, fragment) => {
    expect(nestedQuantifier(pattern)).toBe(fragment);
  });

  it.each([
    '^[A-Za-z0-9._/-]+$',
    '(a|b)',
    '^(info|warn|error)$',
    'a+b*c?',
    '[(+)]+',
    '\\(a+\\)+',
    '(ab)(c+)',
    '\\u{1F600}+',
    '\\p{L}+',
    'x{2}',
  ])('accepts %s', (pattern) => {
    expect(nestedQuantifier(pattern)).toBeNull();
  });
});
