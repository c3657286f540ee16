import { describe, expect, it } from 'vitest';
import type { RefusalCode } from './decision.js';
import { type AccessContext, CommandPolicy } from './policy.js';
import type { PolicyConfigInput } from './schema.js';

const config: PolicyConfigInput = {
  commands: {
    ls: {
      path: '/bin/ls',
      options: ['-l', '-a', '-h', '-la', '--all'],
      args: { max: 4, pattern: '[A-Za-z0-9._/-]+' },
      endOfOptions: true,
    },
    lsb: { path: '/bin/ls', options: ['-l', '-a', '-h'], bundle: true, args: { max: 2 } },
    // /bin/echo prints `--` as a word: it does not take one.
    echo: { path: '/bin/echo', args: { max: 32 }, endOfOptions: false },
    cat: { path: '/bin/cat', args: { min: 1, max: 4, pathPrefix: '/var/log' }, endOfOptions: true },
    tail: {
      path: '/usr/bin/tail',
      options: [
        { name: '-n', value: { integer: { min: 1, max: 10000 } } },
        { name: '--lines', value: { integer: true } },
      ],
      args: { min: 1, max: 1, pathPrefix: ['/var/log/'] },
      endOfOptions: true,
    },
    find: {
      path: '/usr/bin/find',
      options: [
        { name: '-name', value: { pattern: '[A-Za-z0-9._*?-]+' } },
        { name: '-type', value: { enum: ['f', 'd'] } },
      ],
      args: { min: 1, max: 1, pathPrefix: '/var/log' },
      // find's operands come before its expression.
      endOfOptions: false,
    },
    tar: { path: '/bin/tar', options: ['-t', '-v', '-f'], args: { max: 2 } },
    awk: { path: '/usr/bin/awk', args: { max: 1, enum: ['{print $1}'] } },
    env: { path: '/usr/bin/env' },
    uptime: { path: '/usr/bin/uptime' },
    git: {
      path: '/usr/bin/git',
      args: { min: 1, max: 1, enum: ['status', 'log'] },
      endOfOptions: false,
    },
  },
  roles: {
    operator: { commands: ['*'], targets: ['*'] },
    viewer: { commands: ['ls', 'uptime'], targets: ['web-*'] },
  },
};

const policy = new CommandPolicy(config);
const asOperator = { roles: ['operator'], target: 'web-1' };

type Row = readonly [input: string, code: RefusalCode];

/** ../shared/SECURITY.md's examples, then more of ours. Each must be refused with this code. */
const refused: readonly Row[] = [
  ['ls; id', 'shell_syntax'],
  ['ls && id', 'shell_syntax'],
  ['ls | id', 'shell_syntax'],
  ['ls\nid', 'control_character'],
  ['ls $(id)', 'shell_syntax'],
  ['cat <(id)', 'shell_syntax'],
  ['echo k > ~/.ssh/authorized_keys', 'shell_syntax'],
  ['cat /etc/sha*', 'shell_syntax'],
  ['echo $HOME $SSH_AUTH_SOCK', 'shell_syntax'],
  ["$'\\x69\\x64'", 'shell_syntax'],
  ['PATH=/tmp/x:$PATH ls', 'shell_syntax'],
  ['PATH=/tmp/x ls', 'env_assignment'],
  ['LD_PRELOAD=/tmp/x.so ls', 'env_assignment'],
  ['find . -exec id {} +', 'shell_syntax'],
  ['find /var/log -exec id ;', 'shell_syntax'],
  ['find /var/log -exec id', 'option_not_allowed'],
  ['find /var/log -delete', 'option_not_allowed'],
  ['find /var/log -fprint /tmp/x', 'option_not_allowed'],
  ['tar cf /dev/null x --checkpoint=1 --checkpoint-act=exec=id', 'option_not_allowed'],
  ['tar -t --checkpoint-a=exec=id', 'option_not_allowed'],
  ['awk \'BEGIN{system("id")}\'', 'argument_not_allowed'],
  ['env id', 'too_many_arguments'],
  ['tail -n1 /var/log/../../etc/shadow', 'argument_not_allowed'],
  ['tail -n 1 /var/log/./../../etc/shadow', 'argument_not_allowed'],
  ['tail -n1 /var/logs/secret', 'argument_not_allowed'],
  ['tail -n 0 /var/log/syslog', 'option_value'],
  ['tail -n 1e9 /var/log/syslog', 'option_value'],
  ['tail --lines=x /var/log/syslog', 'option_value'],
  ['tail -n', 'option_value'],
  ['ls\0; id', 'control_character'],
  ['ls\u00a0-la', 'invisible_character'],
  ['ls\u200b', 'invisible_character'],
  ['ls \u202e', 'invisible_character'],
  ['ls \u2066x', 'invisible_character'],
  ['ls\r', 'control_character'],
  ['ls\u001b[31m', 'control_character'],
  ['ls \u0085', 'control_character'],
  ['echo \ue000', 'unassigned_character'],
  ['echo \u{f0000}', 'unassigned_character'],
  ['echo \u0378', 'unassigned_character'],
  ['echo \uffff', 'unassigned_character'],
  [`ls ${'a'.repeat(140_000)}`, 'too_long'],
  ['ls `id`', 'shell_syntax'],
  ['ls "$(id)"', 'shell_syntax'],
  ['ls "`id`"', 'shell_syntax'],
  ['ls {a,b}', 'shell_syntax'],
  ['ls ~', 'shell_syntax'],
  ['ls ~root', 'shell_syntax'],
  ['ls #comment', 'shell_syntax'],
  ['ls &', 'shell_syntax'],
  ['ls >/tmp/x', 'shell_syntax'],
  ['ls 2>&1', 'shell_syntax'],
  ['ls ?', 'shell_syntax'],
  ['ls [ab]', 'shell_syntax'],
  ['! ls', 'shell_syntax'],
  ["ls 'unterminated", 'unterminated_quote'],
  ['ls "unterminated', 'unterminated_quote'],
  ['ls \\', 'shell_syntax'],
  ['', 'empty'],
  ['   ', 'empty'],
  ['id', 'unknown_command'],
  ['/usr/bin/id', 'unknown_command'],
  ['sh -c id', 'unknown_command'],
  ['ls -R /', 'option_not_allowed'],
  ['ls --al', 'option_not_allowed'],
  ['ls -lh', 'option_not_allowed'],
  ['ls a b c d e', 'too_many_arguments'],
  ['ls -- -la;', 'shell_syntax'],
  ['ls "a b"', 'argument_not_allowed'],
  ['uptime -p', 'option_not_allowed'],
  ['uptime x', 'too_many_arguments'],
  ['cat', 'too_few_arguments'],
  ['cat /etc/passwd', 'argument_not_allowed'],
  ['cat var/log/syslog', 'argument_not_allowed'],
  ['git -c alias.x=!id x', 'shell_syntax'],
  ["git -c 'alias.x=!id' x", 'option_not_allowed'],
  ['git x', 'argument_not_allowed'],
  ['lsb -lahR', 'option_not_allowed'],
  ['lsb -l1', 'option_not_allowed'],
];

describe('CommandPolicy refuses', () => {
  it.each(refused)('%j with %s', (input, code) => {
    const decision = policy.check(input, asOperator);
    expect(decision).toMatchObject({ allowed: false, code });
    if (!decision.allowed) expect(decision.reason.length).toBeGreaterThan(10);
  });
});

/** Allowed inputs, the rule that allows each, and the exact argv that must run. */
const allowed: readonly (readonly [string, string, readonly string[]])[] = [
  ['ls', 'ls', ['/bin/ls']],
  ['ls -la /var/log', 'ls', ['/bin/ls', '-la', '--', '/var/log']],
  ['ls /var/log -l', 'ls', ['/bin/ls', '-l', '--', '/var/log']],
  ['ls -- -la', 'ls', ['/bin/ls', '--', '-la']],
  ['/bin/ls -a', 'ls', ['/bin/ls', '-a']],
  ['  ls\t -a  ', 'ls', ['/bin/ls', '-a']],
  ["echo '$HOME' '$SSH_AUTH_SOCK'", 'echo', ['/bin/echo', '$HOME', '$SSH_AUTH_SOCK']],
  ['echo "a b" c\\ d \'e"f\'', 'echo', ['/bin/echo', 'a b', 'c d', 'e"f']],
  ['echo "say \\"hi\\" \\\\ \\n"', 'echo', ['/bin/echo', 'say "hi" \\ \\n']],
  [
    "echo 'k' '>' '~/.ssh/authorized_keys'",
    'echo',
    ['/bin/echo', 'k', '>', '~/.ssh/authorized_keys'],
  ],
  ['echo a=b c==', 'echo', ['/bin/echo', 'a=b', 'c==']],
  ["echo ''", 'echo', ['/bin/echo', '']],
  ['echo café', 'echo', ['/bin/echo', 'café']],
  ['echo cafe\u0301', 'echo', ['/bin/echo', 'café']],
  ['cat /var/log/syslog /var/log', 'cat', ['/bin/cat', '--', '/var/log/syslog', '/var/log']],
  ['tail -n 20 /var/log/syslog', 'tail', ['/usr/bin/tail', '-n', '20', '--', '/var/log/syslog']],
  ['tail -n20 /var/log/syslog', 'tail', ['/usr/bin/tail', '-n20', '--', '/var/log/syslog']],
  [
    'tail --lines=5 /var/log/syslog',
    'tail',
    ['/usr/bin/tail', '--lines=5', '--', '/var/log/syslog'],
  ],
  [
    "find /var/log -name '*.log' -type f",
    'find',
    ['/usr/bin/find', '/var/log', '-name', '*.log', '-type', 'f'],
  ],
  ['lsb -lah', 'lsb', ['/bin/ls', '-lah']],
  ['lsb -hal x', 'lsb', ['/bin/ls', '-hal', '--', 'x']],
  ['git status', 'git', ['/usr/bin/git', 'status']],
  ["awk '{print $1}'", 'awk', ['/usr/bin/awk', '--', '{print $1}']],
  ['uptime', 'uptime', ['/usr/bin/uptime']],
];

describe('CommandPolicy allows', () => {
  it.each(allowed)('%j as %s', (input, command, argv) => {
    expect(policy.check(input, asOperator)).toMatchObject({
      allowed: true,
      command,
      rule: `commands.${command}`,
      argv,
    });
  });
});

describe('roles', () => {
  it('a role limits commands and targets', () => {
    expect(policy.check('ls', { roles: ['viewer'], target: 'web-2' })).toMatchObject({
      allowed: true,
    });
    expect(policy.check('echo x', { roles: ['viewer'], target: 'web-2' })).toMatchObject({
      allowed: false,
      code: 'command_not_permitted',
      rule: 'roles.commands',
    });
    expect(policy.check('ls', { roles: ['viewer'], target: 'db-1' })).toMatchObject({
      allowed: false,
      code: 'target_not_permitted',
    });
    expect(policy.check('ls', { roles: [], target: 'web-1' })).toMatchObject({ allowed: false });
    expect(policy.check('ls', { roles: ['nonexistent'], target: 'web-1' })).toMatchObject({
      allowed: false,
    });
  });

  it('lists what a role may run on a target', () => {
    expect(
      policy.permittedCommands({ roles: ['viewer'], target: 'web-1' }).map((c) => c.name),
    ).toEqual(['ls', 'uptime']);
    expect(policy.permittedCommands({ roles: ['viewer'], target: 'db-1' })).toEqual([]);
    expect(policy.targetPermitted(['viewer'], 'web-9')).toBe(true);
    expect(policy.targetPermitted(['viewer'], 'db-1')).toBe(false);
  });
});

describe('refusal reasons say what is allowed instead', () => {
  it('names the refused option and the allowed ones', () => {
    const decision = policy.check('find /var/log -exec id', asOperator);
    expect(decision).toMatchObject({
      allowed: false,
      rule: 'commands.find.options',
      reason: 'Option -exec is not allowed for `find`; allowed: -name, -type.',
    });
  });

  it('points at the offending character', () => {
    expect(policy.check('ls -la; id', asOperator)).toMatchObject({
      position: 6,
      reason: expect.stringContaining('command separator `;` at position 7'),
    });
  });

  it.each<[string, RefusalCode, string, AccessContext?]>([
    ['upitme', 'unknown_command', 'upitme'],
    ['env', 'command_not_permitted', 'env', { roles: ['viewer'], target: 'web-1' }],
    ['ls -Z /var', 'option_not_allowed', '-Z'],
    ['tail -n 0 /var/log/syslog', 'option_value', '0'],
    ['tail -n0 /var/log/syslog', 'option_value', '-n0'],
    ['tail --lines=x /var/log/syslog', 'option_value', '--lines=x'],
    ['tail /var/log/syslog -n', 'option_value', '-n'],
    ['find /var/log -type x', 'option_value', 'x'],
    ["cat  '/etc/passwd'", 'argument_not_allowed', "'/etc/passwd'"],
    ['cat /var/log/a "/etc/shad"ow', 'argument_not_allowed', '"/etc/shad"ow'],
    ['tail -n 5 /var/log/a /var/log/b', 'too_many_arguments', '/var/log/b'],
    ['uptime now', 'too_many_arguments', 'now'],
    ['echo ok -n', 'option_not_allowed', '-n'],
    ['µ /var/log', 'unknown_command', 'µ'],
  ])('marks the word it refuses: %s', (input, code, word, access = asOperator) => {
    const decision = policy.check(input, access);
    expect(decision).toMatchObject({ allowed: false, code });
    const span = decision.allowed ? undefined : decision.span;
    expect(span).toBeDefined();
    expect(Array.from(input).slice(span?.start, span?.end).join('')).toBe(word);
  });

  it('marks no word when the refusal is about the whole line', () => {
    expect(policy.check('cat', asOperator)).not.toHaveProperty('span');
    expect(policy.check('ls -la; id', asOperator)).not.toHaveProperty('span');
  });

  it.each([
    ['ls | grep x', /pipes are not available: filter the output where you read it/],
    ['cat /var/log/*.log', /Nothing is expanded: write each path in full/],
    ['ls; id', /run each command on its own/],
    ['ls > /tmp/x', /redirection is not available/],
    ['echo $HOME', /write the value itself/],
  ])('says what to do instead of shell syntax: %s', (input, advice) => {
    const decision = policy.check(input, asOperator);
    expect(decision).toMatchObject({ code: 'shell_syntax', reason: expect.stringMatching(advice) });
  });

  it('lists the commands allowed on the target for an unknown one', () => {
    expect(policy.check('rm -rf /', { roles: ['viewer'], target: 'web-1' })).toMatchObject({
      code: 'unknown_command',
      reason: '`rm` is not an allowed command. Allowed on web-1: ls, uptime.',
    });
  });
});

describe('policy validation', () => {
  it('names the bad key', () => {
    expect(() => new CommandPolicy({ commands: { ls: { path: 'ls' } }, roles: {} })).toThrow(
      /commands\.ls\.path|"ls",\s*"path"/,
    );
    expect(() => new CommandPolicy({ commands: {}, roles: { r: { commands: ['nope'] } } })).toThrow(
      /unknown command .{0,2}"nope/,
    );
  });

  it('refuses a pattern with nested quantifiers at load time', () => {
    expect(
      () =>
        new CommandPolicy({
          commands: { x: { path: '/bin/x', args: { pattern: '(a+)+$' } } },
          roles: {},
        }),
    ).toThrow(/can backtrack catastrophically/);
  });
});
