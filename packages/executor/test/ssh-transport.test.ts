import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Executor, type SshTransport, sshTargetSchema } from '../src/index.js';
import { type SshdFixture, pgrep, pkill, startSshd } from '../src/testing/index.js';
import { collect, digest } from './collect.js';

let sshd: SshdFixture;
let executor: Executor;

beforeAll(async () => {
  sshd = await startSshd();
  executor = new Executor([sshd.target({ id: 'web-1' })]);
});

afterAll(async () => {
  await executor?.close();
  await sshd?.stop();
});

/**
 * A `sleep` duration no other run or test file uses, so that pgrep finds this test's processes
 * only, never ones left by an earlier, interrupted run.
 */
const marker = (): string => String(4_000_000 + Math.floor(Math.random() * 1_000_000));

const run = (argv: string[], options?: Parameters<Executor['execute']>[2]) =>
  collect(executor.execute('web-1', argv, options));

describe('ssh transport against a real OpenSSH server', () => {
  it('keeps stdout and stderr apart and complete', async () => {
    const result = await run([
      '/bin/sh',
      '-c',
      'echo out1; echo err1 >&2; echo out2; echo err2 >&2',
    ]);
    expect(result.stdout.toString()).toBe('out1\nout2\n');
    expect(result.stderr.toString()).toBe('err1\nerr2\n');
    expect(result.exit).toMatchObject({
      status: 'completed',
      exitCode: 0,
      signal: null,
      truncated: false,
    });
    expect(result.exit.outputBytes).toBe(20);
  });

  it('passes every argument literally: the remote shell interprets none of them', async () => {
    const args = ['$HOME', '`id`', "it's", 'a  b', ';id', '$(id)', '*', '\\', '"', '', 'ünï'];
    const result = await run(['/usr/bin/printf', '%s\\n', ...args]);
    expect(result.stdout.toString()).toBe(args.map((a) => `${a}\n`).join(''));
  });

  it('reports exit codes and signals', async () => {
    expect((await run(['/bin/sh', '-c', 'exit 3'])).exit).toMatchObject({
      status: 'completed',
      exitCode: 3,
      signal: null,
    });
    expect((await run(['/bin/sh', '-c', 'kill -KILL $$'])).exit).toMatchObject({
      status: 'completed',
      exitCode: null,
      signal: 'KILL',
    });
    expect((await run(['/nonexistent/program'])).exit.exitCode).toBe(127);
  });

  it('reports the exit status of programs that end at once, every time', async () => {
    // A fast program's exit status can arrive in the same read as the channel's opening reply.
    const codes: (number | null)[] = [];
    for (let i = 0; i < 500; i += 1) {
      const { exit } = await run(i % 2 === 0 ? ['/bin/true'] : ['/bin/false']);
      codes.push(exit.exitCode);
    }
    expect(codes).toEqual(Array.from({ length: 500 }, (_, i) => (i % 2 === 0 ? 0 : 1)));
  });

  it('measures how long the command ran', async () => {
    const { exit } = await run(['/bin/sleep', '0.4']);
    expect(exit.durationMs).toBeGreaterThanOrEqual(400);
    expect(exit.durationMs).toBeLessThan(3_000);
  });

  it('ends a program that reads standard input instead of hanging', async () => {
    const result = await run(['/bin/cat'], { timeoutMs: 5_000 });
    expect(result.exit).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(result.stdout.length).toBe(0);
  });

  it('delivers 100 MB of output byte for byte', async () => {
    const file = path.join(sshd.dir, 'random.bin');
    const data = randomBytes(100 * 1024 * 1024);
    writeFileSync(file, data, { mode: 0o644 });
    const expected = createHash('sha256').update(data).digest('hex');
    const result = await digest(executor.execute('web-1', ['/bin/cat', file]));
    expect(result.exit).toMatchObject({ status: 'completed', exitCode: 0 });
    expect(result.bytes).toBe(data.length);
    expect(result.sha256).toBe(expected);
  });

  it('runs 30 executions at once with the default MaxSessions, none failing', async () => {
    const runs = Array.from({ length: 30 }, (_, i) =>
      run(['/bin/sh', '-c', `sleep 0.3; echo run-${i}`]),
    );
    const results = await Promise.all(runs);
    results.forEach((result, i) => {
      expect(result.exit).toMatchObject({ status: 'completed', exitCode: 0 });
      expect(result.stdout.toString()).toBe(`run-${i}\n`);
    });
    const transport = executor.transport('web-1') as SshTransport;
    // 30 sessions at 10 per connection.
    expect(transport.pool.size).toBeGreaterThanOrEqual(3);
  });

  it('cancel kills the whole remote process tree', async () => {
    const controller = new AbortController();
    const [a, b] = [marker(), marker()];
    const execution = run(['/bin/sh', '-c', `sleep ${a} & sleep ${b} & echo started; wait`], {
      signal: controller.signal,
    });
    const sleeps = `^sleep (${a}|${b})$`;
    await vi.waitFor(() => expect(pgrep(sshd.username, sleeps)).toHaveLength(2), {
      timeout: 5_000,
    });
    controller.abort();
    const result = await execution;
    expect(result.exit.status).toBe('cancelled');
    expect(result.stdout.toString()).toBe('started\n');
    await vi.waitFor(() => expect(pgrep(sshd.username, sleeps)).toEqual([]), {
      timeout: 5_000,
    });
  });

  it('timeout kills the tree, with KILL when TERM is ignored', async () => {
    const started = Date.now();
    const [a, b] = [marker(), marker()];
    const result = await run(['/bin/sh', '-c', `trap "" TERM; sleep ${a} & sleep ${b}; wait`], {
      timeoutMs: 1_000,
      killGraceMs: 500,
    });
    expect(result.exit.status).toBe('timed_out');
    expect(result.exit.signal).toBe('KILL');
    expect(Date.now() - started).toBeLessThan(5_000);
    await vi.waitFor(() => expect(pgrep(sshd.username, `^sleep (${a}|${b})$`)).toEqual([]), {
      timeout: 5_000,
    });
  });

  it('caps the output, marks it truncated and stops the program', async () => {
    const yes = `output-cap-${marker()}`;
    const result = await run(['/bin/sh', '-c', `exec yes ${yes}`], { maxOutputBytes: 100_000 });
    expect(result.exit).toMatchObject({
      status: 'truncated',
      truncated: true,
      outputBytes: 100_000,
    });
    expect(result.stdout.length).toBe(100_000);
    await vi.waitFor(() => expect(pgrep(sshd.username, yes)).toEqual([]), {
      timeout: 5_000,
    });
  });

  it('stops the program when the consumer stops reading', async () => {
    const sleep = marker();
    for await (const event of executor.execute('web-1', [
      '/bin/sh',
      '-c',
      `echo first; exec sleep ${sleep}`,
    ])) {
      if (event.type === 'output') break;
    }
    await vi.waitFor(() => expect(pgrep(sshd.username, `^sleep ${sleep}$`)).toEqual([]), {
      timeout: 5_000,
    });
  });

  it('refuses a server whose host key does not match the pin', async () => {
    const wrong = `SHA256:${'A'.repeat(43)}`;
    const other = new Executor([sshd.target({ id: 'spoofed', hostKeySha256: wrong })]);
    try {
      const result = await collect(other.execute('spoofed', ['/bin/true']));
      expect(result.exit.status).toBe('failed');
      expect(result.exit.error?.code).toBe('host_key_mismatch');
      expect(result.exit.error?.message).toContain(sshd.hostKeySha256);
      expect(result.exit.error?.message).toContain(wrong);
    } finally {
      await other.close();
    }
  });

  it('reports an unknown key as an authentication failure', async () => {
    const keyOnly = path.join(sshd.dir, 'stranger');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyOnly]);
    const other = new Executor([sshd.target({ id: 'stranger', privateKeyPath: keyOnly })]);
    try {
      const result = await collect(other.execute('stranger', ['/bin/true']));
      expect(result.exit.error?.code).toBe('auth_failed');
    } finally {
      await other.close();
    }
  });

  it('refuses, at start-up, a key it cannot use (wrong passphrase), and uses the right one', async () => {
    const { execFileSync } = await import('node:child_process');
    const locked = path.join(sshd.dir, 'locked');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'right-passphrase', '-f', locked]);
    expect(
      () =>
        new Executor([sshd.target({ id: 'locked', privateKeyPath: locked, passphrase: 'wrong' })]),
    ).toThrow(/Cannot use the private key of target locked/);
    expect(() => new Executor([sshd.target({ id: 'locked', privateKeyPath: locked })])).toThrow(
      /Cannot use the private key/,
    );
  });

  it('validates target config and names the bad key', () => {
    const parsed = sshTargetSchema.safeParse({
      ...sshd.target(),
      hostKeySha256: 'not-a-fingerprint',
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['hostKeySha256']);
  });
});

describe('ssh transport faults', () => {
  it('sshd killed mid-command: the execution fails within seconds; later ones reconnect', async () => {
    const server = await startSshd();
    const sleep = marker();
    const faulty = new Executor([server.target({ id: 'faulty' })]);
    try {
      const execution = collect(
        faulty.execute('faulty', ['/bin/sh', '-c', `echo before; exec sleep ${sleep}`]),
      );
      await vi.waitFor(() => expect(pgrep(server.username, `^sleep ${sleep}$`)).toHaveLength(1), {
        timeout: 5_000,
      });
      const killedAt = Date.now();
      server.signal('SIGKILL');
      const result = await execution;
      expect(Date.now() - killedAt).toBeLessThan(5_000);
      expect(result.exit.status).toBe('failed');
      expect(result.exit.error?.code).toBe('connection_lost');
      expect(result.stdout.toString()).toBe('before\n');

      // The same server comes back (same port, same host key): the pool reconnects.
      const restarted = await startSshd({ port: server.port, keysFrom: server.dir });
      try {
        const again = await collect(faulty.execute('faulty', ['/bin/echo', 'back']));
        expect(again.exit.error).toBeUndefined();
        expect(again.exit).toMatchObject({ status: 'completed', exitCode: 0 });
        expect(again.stdout.toString()).toBe('back\n');
      } finally {
        await restarted.stop();
      }
    } finally {
      pkill(server.username, `^sleep ${sleep}$`);
      await faulty.close();
      await server.stop();
    }
  });

  it('a server allowing fewer sessions than configured: executions wait, none fail', async () => {
    const server = await startSshd({ extraConfig: ['MaxSessions 2'] });
    const tight = new Executor([
      server.target({ id: 'tight', maxSessions: 10, maxConnections: 1 }),
    ]);
    try {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          collect(tight.execute('tight', ['/bin/sh', '-c', `sleep 0.2; echo ${i}`])),
        ),
      );
      results.forEach((result, i) => {
        expect(result.exit).toMatchObject({ status: 'completed', exitCode: 0 });
        expect(result.stdout.toString()).toBe(`${i}\n`);
      });
    } finally {
      await tight.close();
      await server.stop();
    }
  });

  it('the connection is idle-closed and reopened on demand', async () => {
    const idle = new Executor([sshd.target({ id: 'idle', idleTimeoutMs: 200 })]);
    try {
      await collect(idle.execute('idle', ['/bin/true']));
      const transport = idle.transport('idle') as SshTransport;
      expect(transport.pool.size).toBe(1);
      await vi.waitFor(() => expect(transport.pool.size).toBe(0), { timeout: 3_000 });
      await sleep(50);
      const again = await collect(idle.execute('idle', ['/bin/echo', 'ok']));
      expect(again.stdout.toString()).toBe('ok\n');
    } finally {
      await idle.close();
    }
  });
});
