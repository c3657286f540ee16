import type { CommandHint } from '../api/types.js';
import { describe, expect, it } from 'vitest';
import { applyCompletion, completionsAt, optionName, wordAtCaret } from './completion';

const hint = (name: string, options: string[] = []): CommandHint => ({
  name,
  description: null,
  usage: name,
  options,
  minArgs: 0,
  maxArgs: 4,
});
const commands = [
  hint('ls', ['-l', '-a', '-la']),
  hint('lsblk'),
  hint('tail', ['-n VALUE', '--lines=VALUE']),
];

function tab(input: string, caret = input.length): string | null {
  return applyCompletion(input, caret, completionsAt(input, caret, commands))?.value ?? null;
}

describe('completion', () => {
  it('finds the word under the caret outside quotes', () => {
    expect(wordAtCaret('ls -l', 5)).toMatchObject({ word: '-l', index: 1, command: 'ls' });
    expect(wordAtCaret("echo 'a b' c", 12)).toMatchObject({ word: 'c', index: 2 });
    expect(wordAtCaret('ls ', 3)).toMatchObject({ word: '', index: 1, start: 3 });
    expect(wordAtCaret('ta', 2)).toMatchObject({ word: 'ta', index: 0, command: 'ta' });
  });

  it('completes command names, then options of that command', () => {
    expect(tab('ta')).toBe('tail ');
    expect(tab('l')).toBe('ls');
    expect(tab('ls')).toBeNull();
    expect(tab('lsb')).toBe('lsblk ');
    expect(tab('tail --l')).toBe('tail --lines=');
    expect(tab('tail -')).toBeNull();
    expect(tab('ls -l')).toBeNull();
    expect(tab('ls /va')).toBeNull();
    expect(tab('rm')).toBeNull();
  });

  it('completes in the middle of a line', () => {
    expect(applyCompletion('ta /var/log', 2, completionsAt('ta /var/log', 2, commands))).toEqual({
      value: 'tail /var/log',
      caret: 4,
    });
  });

  it('reads option names from the catalog forms', () => {
    expect(optionName('-n VALUE')).toBe('-n');
    expect(optionName('--lines=VALUE')).toBe('--lines=');
    expect(optionName('-la')).toBe('-la');
  });
});
