import { describe, expect, it } from 'vitest';
import type { RefusalCode } from './decision.js';
import { CommandPolicy } from './policy.js';
import type { PolicyConfigInput } from './schema.js';

/**
 * Rules as an administrator writes them for programs that read their arguments in ways a naive
 * whitelist does not: operands read as option letters, optional option values, abbreviations.
 */
const config: PolicyConfigInput = {
  commands: {
    tar: {
      path: '/usr/bin/tar',
      options: ['-t', '-v', { name: '-f', value: { pathPrefix: '/srv' } }],
      args: { max: 4, pattern: '[A-Za-z0-9._/-]+' },
    },
    ar: {
      path: '/usr/bin/ar',
      args: {
        min: 2,
        max: 2,
        positional: [{ enum: ['t', 'tv'] }, { pathPrefix: '/srv' }],
      },
    },
    ps: {
      path: '/bin/ps',
      options: ['-e', '-f'],
      args: { max: 1, enum: ['aux'] },
      endOfOptions: false,
    },
    ls: {
      path: '/bin/ls',
      options: [
        '-l',
        { name: '--color', argument: 'optional', value: { enum: ['never', 'always', 'auto'] } },
        { name: '--block-size', value: { enum: ['K', 'M'] } },
      ],
      args: { max: 4, pattern: '[A-Za-z0-9._/-]+' },
    },
    lsp: { path: '/bin/ls', options: ['-l'], args: { min: 1, max: 4, pathPrefix: '/srv' } },
    echo: { path: '/bin/echo', args: { max: 8 }, endOfOptions: false },
    grep: {
      path: '/bin/grep',
      options: [{ name: '-e', value: { pattern: '[a-z]+' } }, '-i'],
      args: { min: 1, max: 1, pathPrefix: '/srv' },
    },
  },
  roles: { operator: { commands: ['*'], targets: ['*'] } },
};

const policy = new CommandPolicy(config);
const asOperator = { roles: ['operator'], target: 't' };

describe('operands are never read as options', () => {
  it.each([
    ['tar tMF id', ['/usr/bin/tar', '--', 'tMF', 'id']],
    ['tar rf x', ['/usr/bin/tar', '--', 'rf', 'x']],
    ['tar c /etc/passwd', ['/usr/bin/tar', '--', 'c', '/etc/passwd']],
    // GNU programs permute: an option after an operand is still an option, checked as one, and
    // moved before the `--`.
    ['tar x -t', ['/usr/bin/tar', '-t', '--', 'x']],
    ['ls . --color=never', ['/bin/ls', '--color=never', '--', '.']],
  ])('%j runs as %j', (input, argv) => {
    expect(policy.check(input, asOperator)).toMatchObject({ allowed: true, argv });
  });

  it('a positional enum is what makes ar and ps safe', () => {
    expect(policy.check('ar t /srv/lib.a', asOperator)).toMatchObject({
      allowed: true,
      argv: ['/usr/bin/ar', '--', 't', '/srv/lib.a'],
    });
    expect(policy.check('ar rc /srv/lib.a', asOperator)).toMatchObject({
      allowed: false,
      code: 'argument_not_allowed',
      rule: 'commands.ar.args.positional.0',
    });
    expect(policy.check('ps aux', asOperator)).toMatchObject({
      allowed: true,
      argv: ['/bin/ps', 'aux'],
    });
    expect(policy.check('ps ax', asOperator)).toMatchObject({ allowed: false });
  });

  it('without `--`, an operand that starts with - is refused, not passed on', () => {
    // The tokenizer reads `-n` as an option of echo (and refuses it); quoting does not change
    // what echo sees.
    expect(policy.check("echo '-n'", asOperator)).toMatchObject({
      allowed: false,
      code: 'option_not_allowed',
    });
    expect(policy.check('echo -- -e', asOperator)).toMatchObject({ allowed: false });
    expect(policy.check('echo - x', asOperator)).toMatchObject({
      allowed: true,
      argv: ['/bin/echo', '-', 'x'],
    });
  });
});

describe('option values as the program reads them', () => {
  const refused: readonly (readonly [string, RefusalCode])[] = [
    // `never` is an operand to ls (an optional value is attached or absent), so it is checked
    // as one; `/etc` fails the operand pattern only if it does not match, so use a name that
    // cannot pass either way.
    ['ls --color "a b"', 'argument_not_allowed'],
    ['ls --color=sometimes', 'option_value'],
    // Abbreviations are refused in every form.
    ['ls --col=never', 'option_not_allowed'],
    ['ls --colo', 'option_not_allowed'],
    ['ls --block=K', 'option_not_allowed'],
    ['ls --block-s K', 'option_not_allowed'],
    // A flag takes no value.
    ['ls -l=x', 'option_not_allowed'],
    ['grep -e', 'option_value'],
    ['grep -e X /srv/a', 'option_value'],
  ];
  it.each(refused)('%j is refused with %s', (input, code) => {
    expect(policy.check(input, asOperator)).toMatchObject({ allowed: false, code });
  });

  it('a separate word after an optional-value option is an operand, checked as one', () => {
    expect(policy.check('ls --color never', asOperator)).toMatchObject({
      allowed: true,
      argv: ['/bin/ls', '--color', '--', 'never'],
    });
    expect(policy.check('lsp --color /srv', asOperator)).toMatchObject({
      allowed: false,
      code: 'option_not_allowed',
    });
  });

  it('a required value is taken in every getopt form', () => {
    for (const input of ['ls --block-size K .', 'ls --block-size=K .']) {
      expect(policy.check(input, asOperator)).toMatchObject({ allowed: true });
    }
    expect(policy.check('grep -efoo /srv/a', asOperator)).toMatchObject({
      allowed: true,
      argv: ['/bin/grep', '-efoo', '--', '/srv/a'],
    });
  });
});

describe('path operands are marked for resolution on the target', () => {
  it('operands and option values alike, with where the path starts', () => {
    expect(policy.check('tar -t -f /srv/a.tar', asOperator)).toMatchObject({
      allowed: true,
      argv: ['/usr/bin/tar', '-t', '-f', '/srv/a.tar'],
      paths: [{ index: 3, offset: 0, prefixes: ['/srv'] }],
    });
    expect(policy.check('tar -t -f/srv/a.tar', asOperator)).toMatchObject({
      paths: [{ index: 2, offset: 2, prefixes: ['/srv'] }],
    });
    expect(policy.check('lsp /srv/a -l /srv/b', asOperator)).toMatchObject({
      argv: ['/bin/ls', '-l', '--', '/srv/a', '/srv/b'],
      paths: [
        { index: 3, offset: 0 },
        { index: 4, offset: 0 },
      ],
    });
    expect(policy.check('ls -l x', asOperator)).toMatchObject({ allowed: true, paths: [] });
  });
});

describe('rules the config refuses, naming the key', () => {
  const rule = (commands: PolicyConfigInput['commands']) => () =>
    new CommandPolicy({ commands, roles: {} });

  it.each([
    [
      'tar without -- and free operands',
      { tar: { path: '/bin/tar', args: { max: 2 }, endOfOptions: false } },
      /"endOfOptions"[\s\S]*tar reads a first operand/,
    ],
    [
      'ps with free operands',
      { ps: { path: '/usr/bin/ps', args: { max: 1, pattern: '[a-z]+' }, endOfOptions: false } },
      /ps reads every operand as options/,
    ],
    [
      'ar with a free key, even with --',
      { ar: { path: '/usr/bin/ar', args: { min: 1, max: 2 } } },
      /ar reads its first operand as options/,
    ],
    [
      'a path-limited operand that may be absent',
      { du: { path: '/usr/bin/du', args: { max: 2, pathPrefix: '/var/log' } } },
      /"min"[\s\S]*need min: 1/,
    ],
    [
      'a path-limited operand after a free positional one that may be absent',
      {
        grep: {
          path: '/bin/grep',
          options: ['-r'],
          args: { min: 1, positional: [{ pattern: '[a-z]+' }], pathPrefix: '/var/log' },
        },
      },
      /need min: 2 or more/,
    ],
    [
      '`--` listed as an option (it would let operands after it escape their checks)',
      { cat: { path: '/bin/cat', options: ['--'], args: { min: 1, pathPrefix: '/var/log' } } },
      /`--` is not an option/,
    ],
    [
      'an optional value given without its values',
      { ls: { path: '/bin/ls', options: [{ name: '--color', argument: 'optional' }] } },
      /needs `value`/,
    ],
  ])('%s', (_name, commands, message) => {
    expect(rule(commands as PolicyConfigInput['commands'])).toThrow(message);
  });

  it('accepts tar with -- on, and with an enum first operand without it', () => {
    expect(rule({ tar: { path: '/bin/tar', args: { max: 2 } } })).not.toThrow();
    expect(
      rule({
        tar: {
          path: '/bin/tar',
          args: { max: 2, positional: [{ enum: ['tvf'] }] },
          endOfOptions: false,
        },
      }),
    ).not.toThrow();
  });
});
