import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandPolicy, Executor } from '../src/index.js';
import { GuardRefusalFilter } from '../src/transports/ssh/path-guard.js';
import {
  CANARY_TEXT,
  type PathFixture,
  type SshdFixture,
  makePathFixture,
  startSshd,
} from '../src/testing/index.js';
import { collect } from './collect.js';

let fixture: PathFixture;
let sshd: SshdFixture;
let executor: Executor;
let policy: CommandPolicy;

beforeAll(async () => {
  fixture = makePathFixture();
  sshd = await startSshd();
  executor = new Executor([{ id: 'local', transport: 'local' }, sshd.target({ id: 'ssh' })]);
  policy = new CommandPolicy({
    commands: {
      cat: { path: '/bin/cat', args: { min: 1, max: 2, pathPrefix: fixture.allowed } },
      tail: {
        path: '/usr/bin/tail',
        options: [{ name: '--files0-from', value: { pathPrefix: fixture.allowed } }],
        args: { min: 1, max: 1, pathPrefix: fixture.allowed },
      },
    },
    roles: { operator: { commands: ['*'], targets: ['*'] } },
  });
});

afterAll(async () => {
  await executor?.close();
  await sshd?.stop();
  fixture?.remove();
});

/** Checks `input` with the policy and runs what it allows on `target`, as the server does. */
async function run(target: string, input: string) {
  const decision = policy.check(input, { roles: ['operator'], target });
  if (!decision.allowed) throw new Error(`refused by the policy: ${decision.reason}`);
  return collect(executor.execute(target, decision.argv, { paths: decision.paths }));
}

const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

describe.each(['local', 'ssh'])('paths resolved where they are opened (%s target)', (target) => {
  it.each([0, 1, 2, 3, 4, 5, 6, 7])('case %i', async (index) => {
    const item = fixture.cases[index];
    if (item === undefined) throw new Error('no such case');
    const result = await run(target, `cat ${quote(item.path)}`);
    // The canary is never printed, whatever the outcome.
    expect(result.stdout.toString() + result.stderr.toString()).not.toContain(CANARY_TEXT);
    if (item.outcome.ok) {
      expect(result.exit, item.name).toMatchObject({ status: 'completed', exitCode: 0 });
      expect(result.stdout.toString(), item.name).toBe(item.outcome.content);
      expect(result.stderr.toString()).toBe('');
    } else {
      expect(result.exit, item.name).toMatchObject({
        status: 'refused',
        error: { code: 'path_refused' },
      });
      expect(result.exit.error?.message).toContain(item.path);
      expect(result.exit.error?.message).toMatch(
        item.outcome.kind === 'outside' ? /outside/ : /does not exist/,
      );
      // Nothing ran, so nothing was printed: not even the guard's own line.
      expect(result.stdout.length + result.stderr.length).toBe(0);
    }
  });

  it('one path outside refuses the whole command', async () => {
    const [inside, outside] = [fixture.cases[0], fixture.cases[4]];
    const result = await run(
      target,
      `cat ${quote(inside?.path ?? '')} ${quote(outside?.path ?? '')}`,
    );
    expect(result.exit.status).toBe('refused');
    expect(result.stdout.toString()).toBe('');
  });

  it('resolves a path given as an option value (--opt=PATH)', async () => {
    const result = await run(
      target,
      `tail --files0-from=${fixture.allowed}/link-out ${fixture.allowed}/plain.log`,
    );
    expect(result.exit).toMatchObject({ status: 'refused' });
  });

  it('a program that fails still fails, with its own stderr', async () => {
    // A directory is inside the prefix, so it runs; cat then fails on it.
    const result = await run(target, `cat ${fixture.allowed}/sub`);
    expect(result.exit).toMatchObject({ status: 'completed', exitCode: 1 });
    expect(result.stderr.toString()).toContain('Is a directory');
  });
});

describe('names that are not UTF-8', () => {
  it('cannot make the local check look at one path and the program open another', async () => {
    // A name of invalid UTF-8 (0xff) that a lossy decode would turn into U+FFFD, and a link
    // named with the bytes of U+FFFD pointing out of the prefix: the check must not be fooled.
    const base = Buffer.from(fixture.allowed);
    const slash = Buffer.from('/');
    const invalid = Buffer.concat([base, slash, Buffer.from([0xff])]);
    const lookalike = Buffer.concat([base, slash, Buffer.from('\ufffd')]);
    mkdirSync(invalid);
    writeFileSync(Buffer.concat([invalid, Buffer.from('/canary')]), 'decoy\n');
    symlinkSync(path.dirname(fixture.canary), lookalike);
    symlinkSync(invalid, path.join(fixture.allowed, 'to-invalid'));
    const result = await run('local', `cat ${fixture.allowed}/to-invalid/canary`);
    expect(result.stdout.toString()).not.toContain(CANARY_TEXT);
    expect(result.exit).toMatchObject({ status: 'refused', error: { code: 'path_refused' } });
  });
});

describe('the guard refusal filter', () => {
  const feed = async (nonce: string, chunks: readonly string[]) => {
    const filter = new GuardRefusalFilter(nonce);
    const out: Buffer[] = [];
    filter.on('data', (d: Buffer) => out.push(d));
    for (const chunk of chunks) filter.write(Buffer.from(chunk));
    filter.end();
    await new Promise((resolve) => filter.once('end', resolve));
    return { text: Buffer.concat(out).toString(), refusal: filter.refusal };
  };

  it('swallows a refusal line split across chunks', async () => {
    const line = 'OGENT-PATH-REFUSED abc 2 outside\n';
    const result = await feed('abc', [line.slice(0, 5), line.slice(5, 25), line.slice(25)]);
    expect(result).toEqual({ text: '', refusal: { path: 2, kind: 'outside' } });
  });

  it('passes a program’s stderr through, even one that imitates the marker', async () => {
    for (const chunks of [
      ['OGENT-PATH-REFUSED wrong 0 outside\n', 'more'],
      ['OGENT-PATH', '-REFUSED abc 0 sideways\n'],
      ['plain error\n'],
      ['OGENT-PATH-REFUSED abc'],
    ]) {
      const result = await feed('abc', chunks);
      expect(result).toEqual({ text: chunks.join(''), refusal: undefined });
    }
  });
});
