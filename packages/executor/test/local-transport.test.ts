import os from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { Executor, ManualClock } from '../src/index.js';
import { pgrep } from '../src/testing/index.js';
import { collect } from './collect.js';

const executor = new Executor([{ id: 'local', transport: 'local' }]);
const isRoot = process.getuid?.() === 0;
/** Who local commands run as: `nobody` when the tests run as root, as in CI. */
const runsAs = isRoot ? 'nobody' : os.userInfo().username;
const marker = (): string => String(5_000_000 + Math.floor(Math.random() * 1_000_000));

describe('local transport', () => {
  it('runs argv with no shell, streams apart, exit code', async () => {
    const result = await collect(
      executor.execute('local', [
        '/bin/sh',
        '-c',
        'echo "$0 $1"; echo err >&2; exit 4',
        'a;b',
        '$HOME',
      ]),
    );
    expect(result.stdout.toString()).toBe('a;b $HOME\n');
    expect(result.stderr.toString()).toBe('err\n');
    expect(result.exit).toMatchObject({ status: 'completed', exitCode: 4 });
  });

  it('does not pass the server environment on', async () => {
    process.env.OGENT_TEST_SECRET = 'hunter2';
    const result = await collect(executor.execute('local', ['/usr/bin/env']));
    expect(result.stdout.toString()).not.toContain('hunter2');
    expect(result.stdout.toString()).toContain('PATH=');
  });

  it('fails clearly for a program that does not exist', async () => {
    const result = await collect(executor.execute('local', ['/nonexistent/program']));
    expect(result.exit.status).toBe('failed');
    expect(result.exit.error).toMatchObject({ code: 'spawn_failed' });
    expect(result.exit.error?.message).toBe(
      'Could not start /nonexistent/program: no such program on this host.',
    );
  });

  it('refuses a relative program path', async () => {
    const result = await collect(executor.execute('local', ['ls']));
    expect(result.exit.error?.code).toBe('invalid_argv');
  });

  it('cancel kills the process group, children included', async () => {
    const [a, b] = [marker(), marker()];
    const controller = new AbortController();
    const execution = collect(
      executor.execute('local', ['/bin/sh', '-c', `sleep ${a} & sleep ${b} & wait`], {
        signal: controller.signal,
      }),
    );
    const sleeps = `^sleep (${a}|${b})$`;
    await vi.waitFor(() => expect(pgrep(runsAs, sleeps)).toHaveLength(2), { timeout: 5_000 });
    controller.abort();
    expect((await execution).exit.status).toBe('cancelled');
    await vi.waitFor(() => expect(pgrep(runsAs, sleeps)).toEqual([]), { timeout: 5_000 });
  });

  it('timeout ends with status timed_out, at the deadline and not before', async () => {
    const clock = new ManualClock();
    const seconds = marker();
    const execution = collect(
      executor.execute('local', ['/bin/sleep', seconds], { timeoutMs: 300, clock }),
    );
    const sleeping = `^/bin/sleep ${seconds}$`;
    await vi.waitFor(() => expect(pgrep(runsAs, sleeping)).toHaveLength(1), { timeout: 5_000 });
    clock.advance(299);
    // Real time passes too: the deadline is the clock's, not the wall's.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pgrep(runsAs, sleeping)).toHaveLength(1);
    clock.advance(1);
    expect((await execution).exit).toMatchObject({ status: 'timed_out', signal: 'TERM' });
  });

  it('throws for an unknown target', () => {
    expect(() => executor.execute('nope', ['/bin/true'])).toThrow(/Unknown target nope/);
  });
});

describe('the account local commands run as', () => {
  it('is not root when the server is, and starts in a directory that exists', async () => {
    const result = await collect(
      executor.execute('local', ['/bin/sh', '-c', 'id -un; id -G; pwd; echo "$HOME"']),
    );
    expect(result.exit).toMatchObject({ status: 'completed', exitCode: 0 });
    const [user, groups, cwd, home] = result.stdout.toString().split('\n');
    expect(user).toBe(runsAs);
    if (isRoot) {
      // nobody's home is /nonexistent: commands still start, in /, and keep no root group.
      expect(groups?.split(' ')).not.toContain('0');
      expect(cwd).toBe('/');
      expect(home).toBe('/');
    }
  });

  it.runIf(isRoot)('refuses root unless the config says so in so many words', async () => {
    expect(() => new Executor([{ id: 'l', transport: 'local', user: 'root' }])).toThrow(
      'targets.l.user: "root" is root; local commands run as root only with targets.l.runAsRoot: true.',
    );
    expect(
      () => new Executor([{ id: 'l', transport: 'local', user: 'nobody', runAsRoot: true }]),
    ).toThrow(/targets\.l\.runAsRoot is true but targets\.l\.user is "nobody"/);
    expect(() => new Executor([{ id: 'l', transport: 'local', user: 'no-such-account' }])).toThrow(
      'targets.l.user: there is no account "no-such-account" on this host.',
    );
    const asRoot = new Executor([{ id: 'l', transport: 'local', runAsRoot: true }]);
    const result = await collect(asRoot.execute('l', ['/usr/bin/id', '-u']));
    expect(result.stdout.toString()).toBe('0\n');
    await asRoot.close();
  });

  it.runIf(!isRoot)('cannot switch to another account without root', () => {
    expect(() => new Executor([{ id: 'l', transport: 'local', user: 'nobody' }])).toThrow(
      /targets\.l\.user is "nobody", but the server runs as/,
    );
  });
});
