import os from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { Executor } from '../src/index.js';
import { pgrep } from '../src/testing/index.js';
import { collect } from './collect.js';

const executor = new Executor([{ id: 'local', transport: 'local' }]);
const me = os.userInfo().username;
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
    expect(result.exit.error?.message).toContain('/nonexistent/program');
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
    await vi.waitFor(() => expect(pgrep(me, sleeps)).toHaveLength(2), { timeout: 5_000 });
    controller.abort();
    expect((await execution).exit.status).toBe('cancelled');
    await vi.waitFor(() => expect(pgrep(me, sleeps)).toEqual([]), { timeout: 5_000 });
  });

  it('timeout ends with status timed_out', async () => {
    const result = await collect(
      executor.execute('local', ['/bin/sleep', marker()], { timeoutMs: 300 }),
    );
    expect(result.exit).toMatchObject({ status: 'timed_out', signal: 'TERM' });
  });

  it('throws for an unknown target', () => {
    expect(() => executor.execute('nope', ['/bin/true'])).toThrow(/Unknown target nope/);
  });
});
