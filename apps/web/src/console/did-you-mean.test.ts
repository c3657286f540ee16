import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from './did-you-mean';

const COMMANDS = ['cat', 'date', 'df', 'du', 'echo', 'find', 'free', 'head', 'hostname', 'id'];
const MORE = ['ls', 'ps', 'seq', 'sleep', 'tail', 'uname', 'uptime', 'whoami'];
const ALLOWED = [...COMMANDS, ...MORE];

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['a', '', 1],
    ['', 'abc', 3],
    ['uptime', 'uptime', 0],
    ['upitme', 'uptime', 1],
    ['uptim', 'uptime', 1],
    ['uptimee', 'uptime', 1],
    ['uptjme', 'uptime', 1],
    ['hsotnmae', 'hostname', 2],
    ['grep', 'free', 2],
    ['kitten', 'sitting', 3],
    ['ca', 'abc', 3],
    ['é', 'e', 1],
  ])('%s to %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
});

describe('didYouMean', () => {
  it.each([
    ['upitme', ['uptime']],
    ['uptiem', ['uptime']],
    ['LS', ['ls']],
    ['sl', ['ls']],
    ['tial', ['tail']],
    ['sleeep', ['sleep']],
    ['hsotnmae', ['hostname']],
    ['whoam', ['whoami']],
    ['dd', []],
    // Allowed as typed: nothing to suggest.
    ['ps', []],
    ['pss', ['ps']],
    ['grep', []],
    ['rm', []],
    ['systemctl', []],
    ['', []],
  ])('%s: %j', (word, expected) => {
    expect(didYouMean(word, ALLOWED)).toEqual(expected);
  });

  it('gives every name equally close, alphabetically, up to the limit', () => {
    expect(didYouMean('dx', ['df', 'du', 'xd'])).toEqual(['xd']);
    expect(didYouMean('catt', ['cat', 'cast', 'chat', 'bat'])).toEqual(['cast', 'cat']);
    expect(didYouMean('--colour=always', ['-l', '--color=always', '--color=never'])).toEqual([
      '--color=always',
    ]);
    expect(didYouMean('abcde', ['abcdx', 'abcdy', 'abcdz', 'abcdw'], 2)).toEqual([
      'abcdw',
      'abcdx',
    ]);
  });
});
