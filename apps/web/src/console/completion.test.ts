import type { CommandHint } from '../api/types.js';
import { describe, expect, it } from 'vitest';
import { applyCompletion, commonPrefix, completionsAt, wordAtCaret } from './completion';
import { commandHint, valueHint } from './test-hints';

const value = valueHint;
const logs = value({ placeholder: 'PATH', accepts: 'under /var/log', pathPrefixes: ['/var/log'] });

/** Commands that take up to four untyped operands unless told otherwise. */
const hint = (name: string, over: Partial<CommandHint> = {}): CommandHint =>
  commandHint(name, { operandHints: [valueHint()], ...over });
const commands = [
  hint('ls', {
    optionHints: [
      { name: '-l', argument: 'none', value: null },
      { name: '-a', argument: 'none', value: null },
      { name: '--color=always', argument: 'none', value: null },
    ],
  }),
  hint('lsblk'),
  hint('tail', {
    optionHints: [
      {
        name: '-n',
        argument: 'required',
        value: value({ placeholder: 'N', accepts: '1-100000', integer: { min: 1, max: 100000 } }),
      },
      { name: '--lines', argument: 'required', value: value({ placeholder: 'N' }) },
      {
        name: '--follow',
        argument: 'optional',
        value: value({ placeholder: 'name|descriptor', choices: ['name', 'descriptor'] }),
      },
    ],
    minArgs: 1,
    maxArgs: 1,
    operandHints: [logs],
  }),
  hint('find', {
    optionHints: [
      {
        name: '-type',
        argument: 'required',
        value: value({ placeholder: 'f|d', choices: ['f', 'd'] }),
      },
    ],
    minArgs: 1,
    maxArgs: 1,
    operandHints: [logs],
  }),
  hint('sleep', {
    minArgs: 1,
    maxArgs: 1,
    operandHints: [value({ placeholder: 'N', accepts: '0-3600', integer: { min: 0, max: 3600 } })],
  }),
  hint('uptime', { maxArgs: 0, operandHints: [] }),
];

function tab(input: string, caret = input.length): string | null {
  return applyCompletion(input, caret, completionsAt(input, caret, commands))?.value ?? null;
}

const offered = (input: string): string[] =>
  completionsAt(input, input.length, commands).candidates.map((c) => c.text);

describe('the word at the caret', () => {
  it('is found outside quotes, with the words before it', () => {
    expect(wordAtCaret('ls -l', 5)).toMatchObject({ word: '-l', index: 1, command: 'ls' });
    expect(wordAtCaret("echo 'a b' c", 12)).toMatchObject({
      word: 'c',
      index: 2,
      before: ["'a b'"],
    });
    expect(wordAtCaret('ls ', 3)).toMatchObject({ word: '', index: 1, start: 3 });
    expect(wordAtCaret('ta', 2)).toMatchObject({ word: 'ta', index: 0, command: 'ta' });
  });
});

describe('completion', () => {
  it('completes command names, then options of that command', () => {
    expect(tab('ta')).toBe('tail ');
    expect(tab('l')).toBe('ls');
    expect(tab('ls')).toBeNull();
    expect(tab('lsb')).toBe('lsblk ');
    expect(tab('ls -l')).toBe('ls -l ');
    expect(tab('rm')).toBeNull();
  });

  it('offers options whole, as they are typed', () => {
    expect(offered('ls -')).toEqual(['-l', '-a', '--color=always']);
    expect(tab('ls --c')).toBe('ls --color=always ');
    expect(offered('tail -')).toEqual([
      '-n',
      '--lines=',
      '--follow',
      '--follow=name',
      '--follow=descriptor',
    ]);
    // `--lines=` waits for its value: no space.
    expect(tab('tail --l')).toBe('tail --lines=');
    expect(tab('tail --f')).toBe('tail --follow');
    expect(tab('tail --follow=d')).toBe('tail --follow=descriptor ');
  });

  it('completes the value of an option, and says what it takes', () => {
    expect(offered('find /var/log -type ')).toEqual(['f', 'd']);
    expect(tab('find /var/log -type d')).toBe('find /var/log -type d ');
    expect(completionsAt('tail -n ', 8, commands).expects).toBe('-n N (1-100000)');
  });

  it('completes allowed path prefixes, and says what an operand may be', () => {
    expect(tab('tail ')).toBe('tail /var/log');
    expect(tab('tail /v')).toBe('tail /var/log');
    expect(tab('tail /var/log')).toBeNull();
    expect(tab('tail /var/log/sys')).toBeNull();
    expect(tab('tail -n 5 /')).toBe('tail -n 5 /var/log');
    expect(completionsAt('tail -n 5 ', 10, commands).expects).toBe('PATH under /var/log');
    expect(completionsAt('sleep ', 6, commands).expects).toBe('N (0-3600)');
    expect(completionsAt('uptime ', 7, commands).expects).toBe('no arguments');
    expect(completionsAt('sleep 5 ', 8, commands).expects).toBe('no more arguments (at most 1)');
  });

  it('extends to the common prefix only, and then has nothing to add', () => {
    expect(tab('ls --')).toBe('ls --color=always ');
    // `--follow` alone is whole, but so are `--follow=name` and the rest: Tab lists them.
    expect(tab('tail --follow')).toBeNull();
    expect(offered('tail --follow=')).toEqual(['--follow=name', '--follow=descriptor']);
    expect(tab('tail --follow=')).toBeNull();
    expect(commonPrefix(['--follow=name', '--follow=descriptor'])).toBe('--follow=');
  });

  it('completes in the middle of a line', () => {
    expect(applyCompletion('ta /var/log', 2, completionsAt('ta /var/log', 2, commands))).toEqual({
      value: 'tail /var/log',
      caret: 4,
    });
  });

  it('puts a chosen candidate in place, whole', () => {
    const completion = completionsAt('tail --follow=', 14, commands);
    expect(applyCompletion('tail --follow=', 14, completion, completion.candidates[1])).toEqual({
      value: 'tail --follow=descriptor ',
      caret: 25,
    });
  });
});
