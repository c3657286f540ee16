import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CANARY_TEXT, type PathFixture, makePathFixture, pgrep } from '@ogent/executor/testing';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { post, signedIn, watch } from './helpers.js';

/**
 * Issue 9's classes, tried against the real programs on the real sshd target `web-1`, through
 * the HTTP contract and the typed client: programs that read an operand as options (tar, ps,
 * ar), option values as getopt reads them (ls), and paths resolved where they are opened (ls,
 * find, du, tail, cat). Payloads aim at a tripwire directory and a canary outside the allowed
 * directory; afterwards the target itself is checked.
 */

let stack: TestStack;
let fixture: PathFixture;
let overHttp: Awaited<ReturnType<typeof signedIn>>;
let overTrpc: Awaited<ReturnType<typeof signedIn>>;
/** World-writable directory that payloads try to create files in. */
let tripwire: string;
/** Everything any run printed, to check no canary escaped. */
const printed: string[] = [];

/** Fills %A% (the allowed directory) and %T% (the tripwire) into an input. */
const fill = (input: string): string =>
  input.replaceAll('%A%', fixture.allowed).replaceAll('%T%', tripwire);

beforeAll(async () => {
  fixture = makePathFixture();
  tripwire = path.join(fixture.root, 'tripwire');
  mkdirSync(tripwire);
  chmodSync(tripwire, 0o777);
  // A script that would leave a mark if tar ever ran it (`tar tMF SCRIPT` runs SCRIPT).
  writeFileSync(
    path.join(fixture.allowed, 'trip.sh'),
    `#!/bin/sh\ntouch ${tripwire}/ran-by-tar\n`,
    { mode: 0o755 },
  );
  execFileSync('/bin/tar', [
    '-C',
    fixture.allowed,
    '-cf',
    path.join(fixture.allowed, 'a.tar'),
    'plain.log',
  ]);
  execFileSync('/usr/bin/ar', [
    'rc',
    path.join(fixture.allowed, 'lib.a'),
    path.join(fixture.allowed, 'plain.log'),
  ]);
  chmodSync(path.join(fixture.allowed, 'a.tar'), 0o644);
  chmodSync(path.join(fixture.allowed, 'lib.a'), 0o644);
  const A = fixture.allowed;
  stack = await startTestStack({
    config: {
      commands: {
        tar: {
          path: '/bin/tar',
          options: ['-t', '-v', { name: '-f', value: { pathPrefix: A } }],
          // The operand pattern of the original finding: letters, digits, . _ / -
          args: { max: 4, pattern: '[A-Za-z0-9._/-]+' },
        },
        ps: {
          path: '/bin/ps',
          options: ['-e', '-f'],
          args: { max: 1, enum: ['aux'] },
          endOfOptions: false,
        },
        ar: {
          path: '/usr/bin/ar',
          args: { min: 2, max: 2, positional: [{ enum: ['t'] }, { pathPrefix: A }] },
        },
        ls: {
          path: '/bin/ls',
          options: [
            '-1',
            { name: '--color', argument: 'optional', value: { enum: ['never', 'always'] } },
          ],
          args: { min: 1, max: 4, pathPrefix: A },
        },
        find: {
          path: '/usr/bin/find',
          options: [{ name: '-name', value: { pattern: '[A-Za-z0-9._*?-]+' } }],
          args: { min: 1, max: 1, pathPrefix: A },
          endOfOptions: false,
        },
        du: { path: '/usr/bin/du', options: ['-s', '-b'], args: { min: 1, max: 2, pathPrefix: A } },
        tail: {
          path: '/usr/bin/tail',
          options: [{ name: '-n', value: { integer: { min: 1, max: 1000 } } }],
          args: { min: 1, max: 1, pathPrefix: A },
        },
        cat: { path: '/bin/cat', args: { min: 1, max: 4, pathPrefix: A } },
        whoami: { path: '/usr/bin/whoami' },
      },
      roles: { operator: { commands: ['*'], targets: ['*'] } },
    },
  });
  [overHttp, overTrpc] = await Promise.all([signedIn(stack, 'alice'), signedIn(stack, 'bob')]);
});

afterAll(async () => {
  await Promise.all([overHttp?.close(), overTrpc?.close()]);
  await stack?.stop();
  fixture?.remove();
});

type Outcome =
  | { kind: 'refused'; code: string; reason: string }
  | { kind: 'ran'; status: string; exitCode: number | null; stdout: string; stderr: string };

async function viaHttp(input: string): Promise<Outcome> {
  const { status, body } = await post(
    stack,
    '/api/command',
    { command: input, target: 'web-1' },
    overHttp.token,
  );
  if (status === 403) {
    return { kind: 'refused', code: String(body.refusalCode), reason: String(body.reason) };
  }
  expect(status, JSON.stringify(body)).toBe(200);
  return {
    kind: 'ran',
    status: String(body.status),
    exitCode: body.exitCode as number | null,
    stdout: String(body.stdout),
    stderr: String(body.stderr),
  };
}

async function viaTypedClient(input: string): Promise<Outcome> {
  let executionId: string;
  try {
    ({ executionId } = await overTrpc.trpc.exec.execute.mutate({
      target: 'web-1',
      command: input,
    }));
  } catch (error) {
    if (!(error instanceof TRPCClientError)) throw error;
    const refusal = (error.data as { refusal?: { refusalCode: string; reason: string } }).refusal;
    if (refusal === undefined) throw error;
    return { kind: 'refused', code: refusal.refusalCode, reason: refusal.reason };
  }
  const result = await watch(overTrpc, executionId);
  if (result.end.status === 'refused') {
    // Refused on the target: the execution was admitted, then nothing ran.
    expect(result.all.length).toBe(0);
    return { kind: 'refused', code: 'path_refused', reason: result.end.error?.message ?? '' };
  }
  return {
    kind: 'ran',
    status: result.end.status,
    exitCode: result.end.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

/** Runs the input both ways and checks both outcomes against `check`. */
async function both(input: string, check: (outcome: Outcome) => void): Promise<void> {
  const outcomes = await Promise.all([viaHttp(fill(input)), viaTypedClient(fill(input))]);
  for (const outcome of outcomes) {
    if (outcome.kind === 'ran') printed.push(outcome.stdout, outcome.stderr);
    else printed.push(outcome.reason);
    check(outcome);
  }
}

const refusedWith =
  (code: string, reason?: RegExp) =>
  (outcome: Outcome): void => {
    expect(outcome).toMatchObject({ kind: 'refused', code });
    if (reason !== undefined && outcome.kind === 'refused') expect(outcome.reason).toMatch(reason);
  };

const ran =
  (expected: { exitCode?: number; stdout?: string | RegExp; stderr?: RegExp }) =>
  (outcome: Outcome): void => {
    expect(outcome.kind, JSON.stringify(outcome)).toBe('ran');
    if (outcome.kind !== 'ran') return;
    expect(outcome.status).toBe('completed');
    if (expected.exitCode !== undefined) expect(outcome.exitCode).toBe(expected.exitCode);
    if (typeof expected.stdout === 'string') expect(outcome.stdout).toBe(expected.stdout);
    else if (expected.stdout !== undefined) expect(outcome.stdout).toMatch(expected.stdout);
    if (expected.stderr !== undefined) expect(outcome.stderr).toMatch(expected.stderr);
  };

/** tar's answer when its first operand is an operand, not a bundle of option letters. */
const TAR_NO_MODE = /You must specify one of the '-Acdtrux'/;

describe('programs that read an operand as options', () => {
  it('tar: a first operand is a file name, never option letters', async () => {
    await both('tar tMF %A%/trip.sh', ran({ exitCode: 2, stdout: '', stderr: TAR_NO_MODE }));
    await both('tar rf %T%/created plain', ran({ exitCode: 2, stdout: '', stderr: TAR_NO_MODE }));
    await both('tar c /etc/passwd', ran({ exitCode: 2, stdout: '', stderr: TAR_NO_MODE }));
    // Options after the operands are still options (GNU permutes): checked, moved before `--`.
    await both('tar %A%/x -t', ran({ exitCode: 2, stderr: /does not look like a tar archive/ }));
    await both('tar -t -f %A%/a.tar', ran({ exitCode: 0, stdout: 'plain.log\n' }));
    await both('tar -t --file=%A%/a.tar', refusedWith('option_not_allowed'));
  });

  it('ps: only the listed BSD-style word, and no `--` it would choke on', async () => {
    await both('ps aux', ran({ exitCode: 0, stdout: /PID/ }));
    await both('ps ax', refusedWith('argument_not_allowed'));
    await both('ps -- aux', refusedWith('option_not_allowed'));
    await both('ps e', refusedWith('argument_not_allowed'));
  });

  it('ar: the key is an enum, whatever follows', async () => {
    await both('ar t %A%/lib.a', ran({ exitCode: 0, stdout: 'plain.log\n' }));
    await both('ar rc %A%/lib.a', refusedWith('argument_not_allowed', /must be one of: t/));
    await both('ar x %A%/lib.a', refusedWith('argument_not_allowed'));
  });
});

describe('option values as the program reads them', () => {
  it('ls --color WORD: the word is an operand, checked as a path', async () => {
    await both('ls --color never', refusedWith('argument_not_allowed', /must be an absolute path/));
    await both('ls --color=never %A%/sub', ran({ exitCode: 0, stdout: 'deep.log\n' }));
    await both('ls --color %A%/sub', ran({ exitCode: 0, stdout: /deep\.log/ }));
  });

  it('abbreviated long options are refused in every form', async () => {
    await both('ls --col=never %A%/sub', refusedWith('option_not_allowed'));
    await both('ls --colo %A%/sub', refusedWith('option_not_allowed'));
    await both('tar -t --fi %A%/a.tar', refusedWith('option_not_allowed'));
  });
});

describe('paths resolved on the target, where the program opens them', () => {
  const outside = /resolves on the target to a place outside/;
  it.each([
    ['cat', 'cat %A%/link-out'],
    ['tail', 'tail -n 1 %A%/link-out'],
    ['ls', 'ls %A%/linked-dir'],
    ['find', 'find %A%/linked-dir -name canary'],
    ['du', 'du -s %A%/hop'],
    ['cat (.. after resolution)', 'cat %A%/hop/canary'],
    ['tar -f', 'tar -t -f %A%/link-out'],
  ])('%s: a link pointing out is refused, nothing runs', async (_name, input) => {
    await both(input, refusedWith('path_refused', outside));
  });

  it('a dangling link is refused as missing; links pointing in work', async () => {
    await both('cat %A%/dangling', refusedWith('path_refused', /does not exist/));
    await both('cat %A%/link-in %A%/relative-in', ran({ exitCode: 0, stdout: 'plain\ndeep\n' }));
    await both(`cat "%A%/it's \\"odd\\" \\$(id) name.log"`, ran({ exitCode: 0, stdout: 'odd\n' }));
    await both('tail %A%/plain.log -n 1', ran({ exitCode: 0, stdout: 'plain\n' }));
  });

  it('a path-limited command never runs on the current directory', async () => {
    for (const input of ['ls', 'find', 'du -s']) {
      await both(input, refusedWith('too_few_arguments'));
    }
  });

  it('the audit record says refused, with the reason', async () => {
    const { executionId } = await overTrpc.trpc.exec.execute.mutate({
      target: 'web-1',
      command: fill('cat %A%/link-out'),
    });
    await watch(overTrpc, executionId);
    const record = await overTrpc.trpc.exec.byId.query({ executionId });
    expect(record).toMatchObject({ decision: 'allowed', status: 'refused', rule: 'commands.cat' });
    expect(record.error).toMatch(outside);
  });
});

describe('the local target, when the server runs as root', () => {
  it.runIf(process.getuid?.() === 0)('runs commands as nobody, in /, not as root', async () => {
    const viaBoth = await Promise.all([
      post(stack, '/api/command', { command: 'whoami', target: 'local' }, overHttp.token).then(
        ({ body }) => String(body.stdout),
      ),
      overTrpc.trpc.exec.execute
        .mutate({ target: 'local', command: 'whoami' })
        .then(async ({ executionId }) => (await watch(overTrpc, executionId)).stdout.toString()),
    ]);
    expect(viaBoth).toEqual(['nobody\n', 'nobody\n']);
  });
});

describe('afterwards, on the target', () => {
  it('nothing ran that should not have: tripwire empty, canary never printed', () => {
    expect(readdirSync(tripwire)).toEqual([]);
    expect(readFileSync(fixture.canary, 'utf8')).toBe(`${CANARY_TEXT}\n`);
    expect(printed.join('')).not.toContain(CANARY_TEXT);
    expect(printed.length).toBeGreaterThan(40);
    expect(pgrep(stack.sshd?.username ?? '', 'trip.sh')).toEqual([]);
  });
});
