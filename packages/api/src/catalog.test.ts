import { CommandPolicy, type Target } from '@ogent/executor';
import { describe, expect, it } from 'vitest';
import type { AuthUser } from './domain/user.js';
import { TargetCatalog } from './catalog.js';

const policy = new CommandPolicy({
  commands: {
    ls: { path: '/bin/ls', options: ['-l', '-a', '--color=always'], args: { max: 8 } },
    cat: { path: '/bin/cat', args: { min: 1, max: 4, pathPrefix: ['/var/log', '/etc/hostname'] } },
    tail: {
      path: '/usr/bin/tail',
      options: [
        { name: '-n', value: { integer: { min: 1, max: 100_000 } } },
        { name: '--lines', value: { integer: true } },
      ],
      args: { min: 1, max: 1, pathPrefix: '/var/log' },
    },
    find: {
      path: '/usr/bin/find',
      options: [
        { name: '-name', value: { pattern: '[a-z*]+' } },
        { name: '-type', value: { enum: ['f', 'd', 'l'] } },
        { name: '-maxdepth', value: { integer: { min: 0, max: 10 } } },
      ],
      args: { min: 1, max: 1, pathPrefix: '/var/log' },
      endOfOptions: false,
    },
    ls2: {
      path: '/bin/ls',
      options: [{ name: '--color', argument: 'optional', value: { enum: ['never', 'auto'] } }],
    },
    sleep: { path: '/bin/sleep', args: { min: 1, max: 1, integer: { min: 0, max: 3600 } } },
    seq: { path: '/usr/bin/seq', args: { min: 1, max: 3, integer: { min: 0 } } },
    git: {
      path: '/usr/bin/git',
      args: { min: 2, max: 3, positional: [{ enum: ['log', 'show'] }], pattern: '[a-z0-9]+' },
      endOfOptions: false,
    },
    uptime: { path: '/usr/bin/uptime', description: 'Load and uptime' },
  },
  roles: {
    all: { commands: ['*'], targets: ['*'] },
    some: { commands: ['uptime'], targets: ['db-*'] },
  },
});

/** An SSH target as the config's parser makes it, with its defaults. */
function sshTarget(id: string, host: string, port: number): Target {
  return {
    id,
    transport: 'ssh',
    host,
    port,
    username: 'ogent',
    privateKey: 'x',
    hostKeySha256: 'SHA256:' + 'A'.repeat(43),
    maxSessions: 10,
    maxConnections: 10,
    keepaliveIntervalMs: 5000,
    keepaliveCountMax: 3,
    readyTimeoutMs: 10_000,
    idleTimeoutMs: 60_000,
  };
}

const targets: Target[] = [
  { id: 'local', transport: 'local', label: 'This server', labels: {} },
  sshTarget('db-1', '10.0.0.5', 22),
  sshTarget('db-2', 'fe80::1', 2222),
];
const catalog = new TargetCatalog(targets, policy);
const user = (roles: string[]): AuthUser => ({
  username: 'u',
  roles,
  viewAll: false,
  cancelAll: false,
  expiresAt: Date.now() + 60_000,
});
const commands = catalog.list(user(['all']))[0]?.commands ?? [];
const hint = (name: string) => commands.find((c) => c.name === name);

describe('the usage of each command', () => {
  it.each([
    ['ls', 'ls [-l] [-a] [--color=always] [ARG ...]'],
    ['cat', 'cat PATH [PATH ...] under /var/log or /etc/hostname'],
    ['tail', 'tail [-n N (1-100000)] [--lines=N] PATH under /var/log'],
    ['find', 'find [-name VALUE] [-type f|d|l] [-maxdepth N (0-10)] PATH under /var/log'],
    ['ls2', 'ls2 [--color[=never|auto]]'],
    ['sleep', 'sleep N (0-3600)'],
    ['seq', 'seq N [N ...] (0 or more)'],
    ['git', 'git log|show ARG [ARG]'],
    ['uptime', 'uptime'],
  ])('%s: %s', (name, usage) => {
    expect(hint(name)?.usage).toBe(usage);
  });
});

describe('what completion and hints draw on', () => {
  it('lists options whole, with what their values may be', () => {
    expect(hint('ls')?.optionHints.map((o) => o.name)).toEqual(['-l', '-a', '--color=always']);
    expect(hint('ls')?.options).toEqual(['-l', '-a', '--color=always']);
    expect(hint('tail')?.options).toEqual(['-n N', '--lines=N']);
    expect(hint('tail')?.optionHints[0]).toEqual({
      name: '-n',
      argument: 'required',
      value: {
        placeholder: 'N',
        accepts: '1-100000',
        integer: { min: 1, max: 100_000 },
        choices: null,
        pathPrefixes: null,
      },
    });
    expect(hint('ls2')?.optionHints[0]).toMatchObject({
      name: '--color',
      argument: 'optional',
      value: { choices: ['never', 'auto'] },
    });
  });

  it('describes the operands: positional ones first, then the rest', () => {
    expect(hint('cat')?.operandHints).toEqual([
      {
        placeholder: 'PATH',
        accepts: 'under /var/log or /etc/hostname',
        integer: null,
        choices: null,
        pathPrefixes: ['/var/log', '/etc/hostname'],
      },
    ]);
    expect(hint('sleep')?.operandHints[0]).toMatchObject({
      integer: { min: 0, max: 3600 },
      accepts: '0-3600',
    });
    expect(hint('git')?.operandHints.map((o) => o.placeholder)).toEqual(['log|show', 'ARG']);
    expect(hint('uptime')?.operandHints).toEqual([]);
    expect(hint('uptime')?.description).toBe('Load and uptime');
  });
});

describe('targets', () => {
  it('says where each target is, and lists only those the roles allow', () => {
    expect(catalog.list(user(['all'])).map((t) => [t.id, t.label, t.host])).toEqual([
      ['local', 'This server', null],
      ['db-1', 'db-1', '10.0.0.5'],
      ['db-2', 'db-2', '[fe80::1]:2222'],
    ]);
    const limited = catalog.list(user(['some']));
    expect(limited.map((t) => t.id)).toEqual(['db-1', 'db-2']);
    expect(limited[0]?.commands.map((c) => c.name)).toEqual(['uptime']);
  });
});
