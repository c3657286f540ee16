import type { CommandHint } from '../api/types.js';
import { describe, expect, it } from 'vitest';
import { adviceFor } from './refusal-advice';

const hint = (name: string, options: string[] = []): CommandHint => ({
  name,
  description: null,
  usage: name,
  options,
  optionHints: options.map((o) => ({ name: o, argument: 'none', value: null })),
  minArgs: 0,
  maxArgs: 4,
  operandHints: [],
});
const commands = [hint('ls', ['-l', '-a', '--color=always']), hint('find'), hint('uptime')];
const withoutFind = commands.filter((c) => c.name !== 'find');

/** A refusal as the server sends it, pointing at `marked` (a character or a word). */
function refusal(code: string, command: string, marked: string, word = false) {
  const start = Array.from(command).indexOf(marked[0] ?? '');
  const at = word ? Array.from(command.slice(0, command.indexOf(marked))).length : start;
  return {
    refusalCode: code,
    position: word ? null : at,
    span: word ? { start: at, end: at + Array.from(marked).length } : null,
  };
}

describe('adviceFor', () => {
  it('points a pipe at Find in output, keeping what came before it', () => {
    const command = 'ls -la /var/log | grep nginx';
    expect(adviceFor(refusal('shell_syntax', command, '|'), command, commands)).toEqual({
      text:
        'Ogent runs one program; pipes are not available. To filter output, run ' +
        '`ls -la /var/log` and use Find in output (Ctrl+F).',
      command: 'ls -la /var/log',
    });
  });

  it('turns a glob into find where find is allowed, and says to name the files otherwise', () => {
    const command = 'cat /var/log/*.log';
    expect(adviceFor(refusal('shell_syntax', command, '*'), command, commands)).toEqual({
      text: "Nothing expands `/var/log/*.log` here: name each file, or list the matches with `find /var/log -name '*.log'`.",
      command: "find /var/log -name '*.log'",
    });
    expect(adviceFor(refusal('shell_syntax', command, '*'), command, withoutFind)).toEqual({
      text: 'Nothing expands a glob here: name each file (Tab completes the allowed paths).',
      command: null,
    });
  });

  it('says what to do for the rest of the shell', () => {
    const cases: [string, string, RegExp][] = [
      ['uptime; id', ';', /run `uptime` first/],
      ['uptime > /tmp/x', '>', /use Download to keep its output/],
      ['echo $HOME', '$', /type the value itself/],
      ['ls ~', '~', /write the full path/],
    ];
    for (const [command, character, text] of cases) {
      expect(
        adviceFor(refusal('shell_syntax', command, character), command, commands)?.text,
      ).toMatch(text);
    }
  });

  it('suggests the allowed command or option a typo was meant to be', () => {
    const typo = 'upitme -p';
    expect(adviceFor(refusal('unknown_command', typo, 'upitme', true), typo, commands)).toEqual({
      text: 'Did you mean `uptime`?',
      command: 'uptime -p',
    });
    const option = 'ls --colour=always /var';
    expect(
      adviceFor(refusal('option_not_allowed', option, '--colour=always', true), option, commands),
    ).toEqual({ text: 'Did you mean `--color=always`?', command: 'ls --color=always /var' });
  });

  it('has nothing to add when nothing is close', () => {
    const command = 'rm -rf /';
    expect(
      adviceFor(refusal('unknown_command', command, 'rm', true), command, commands),
    ).toBeNull();
    expect(
      adviceFor({ refusalCode: 'too_few_arguments', position: null, span: null }, 'cat', commands),
    ).toBeNull();
  });
});
