import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { pgrep } from '@ogent/executor/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type CliStack,
  MIXED_STDERR,
  MIXED_STDOUT,
  freshHome,
  killOgents,
  ogent,
  spawnOgent,
  startCliStack,
  tokenFor,
} from './helpers.js';

let cli: CliStack;
let home: ReturnType<typeof freshHome>;
let env: NodeJS.ProcessEnv;
let token: string;

beforeAll(async () => {
  cli = await startCliStack();
  token = await tokenFor(cli.url, 'alice');
  home = freshHome();
  env = { ...home.env, OGENT_URL: cli.url, OGENT_TOKEN: token };
});

afterEach(killOgents);

afterAll(async () => {
  await cli?.stop();
  home?.remove();
});

/** Starts a command through the API, for the tests of follow and cancel. */
async function execute(command: string): Promise<string> {
  const response = await fetch(`${cli.url}/trpc/exec.execute`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ target: 'web-1', command }),
  });
  const body = (await response.json()) as { result: { data: { executionId: string } } };
  return body.result.data.executionId;
}

describe('ogent run: exit status', () => {
  it.each([0, 3, 42])("is the remote command's exit code (%i)", async (code) => {
    const result = await ogent(['run', '-t', 'web-1', '--', 'exitwith', String(code)], env);
    expect(result.status).toBe(code);
    expect(result.stderr.toString()).toBe('');
  });

  it('is 128 + N for a command killed by signal N', async () => {
    const result = await ogent(['run', '-t', 'web-1', '--', 'die', '9'], env);
    expect(result.status).toBe(128 + 9);
  });

  it('is 126 for a command the policy refuses, with the reason on stderr and nothing run', async () => {
    const result = await ogent(['run', '-t', 'web-1', '--', 'rm', '-rf', '/tmp/x'], env);
    expect(result.status).toBe(126);
    expect(result.stdout.length).toBe(0);
    const lines = result.stderr.toString().split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ogent: refused: .*rm/);
  });

  it('is 126 for an argument the command does not take (each argument is one literal word)', async () => {
    const result = await ogent(['run', '-t', 'web-1', '--', 'ls', '; id'], env);
    expect(result.status).toBe(126);
    expect(result.stderr.toString()).toMatch(/^ogent: refused: /);
  });

  it('is 255 when the target cannot be reached safely (host key mismatch), saying so', async () => {
    const result = await ogent(['run', '-t', 'bad-key', '--', 'exitwith', '0'], env);
    expect(result.status).toBe(255);
    expect(result.stderr.toString()).toMatch(/^ogent: failed: .*\(host_key_mismatch\)\n$/);
  });

  it('passes each argument as one literal word, with or without `--`', async () => {
    const result = await ogent(['run', '-t', 'web-1', 'echo', '$HOME', '; id', '*'], env);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toBe('$HOME ; id *\n');
    const withOption = await ogent(['run', '-t', 'web-1', 'ls', '-a', '/'], env);
    expect(withOption.status).toBe(0);
    expect(withOption.stdout.toString()).toMatch(/^\.\n\.\.\n/);
  });
});

describe('ogent run: output', () => {
  it('writes stdout to stdout and stderr to stderr, byte for byte', async () => {
    const result = await ogent(['run', '-t', 'web-1', '--', 'mixed'], env);
    expect(result.status).toBe(0);
    expect(result.stdout.equals(MIXED_STDOUT)).toBe(true);
    expect(result.stderr.equals(MIXED_STDERR)).toBe(true);
  });

  it('passes 100 MB through unchanged (sha256)', async () => {
    const file = path.join(cli.fixtureDir, 'hundred-megabytes.bin');
    const expected = createHash('sha256');
    const out = createWriteStream(file, { mode: 0o644 });
    for (let i = 0; i < 100; i += 1) {
      const block = randomBytes(1024 * 1024);
      expected.update(block);
      if (!out.write(block))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    out.end();
    await finished(out);
    try {
      const started = performance.now();
      const actual = createHash('sha256');
      let bytes = 0;
      // Hashed as it arrives: the test holds no copy of the output.
      const result = await spawnOgent(['run', '-t', 'web-1', '--', 'cat', file], env, {
        onStdout: (chunk) => {
          actual.update(chunk);
          bytes += chunk.length;
        },
      }).finished;
      const seconds = (performance.now() - started) / 1000;
      console.log(
        `100 MB through ogent run: ${seconds.toFixed(1)} s, ${(100 / seconds).toFixed(0)} MB/s`,
      );
      expect(result.stderr.toString()).toBe('');
      expect(result.status).toBe(0);
      expect(bytes).toBe(100 * 1024 * 1024);
      expect(actual.digest('hex')).toBe(expected.digest('hex'));
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('--json writes NDJSON: started, output in base64, then the end', async () => {
    const result = await ogent(['run', '--json', '-t', 'web-1', '--', 'mixed'], env);
    expect(result.status).toBe(0);
    const events = result.stdout
      .toString()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events[0]).toEqual({ type: 'started', executionId: expect.any(String) });
    const outputs = events.filter((e) => e.type === 'output');
    const bytes = (stream: string): Buffer =>
      Buffer.concat(
        outputs
          .filter((e) => e.stream === stream)
          .map((e) => Buffer.from(e.data as string, 'base64')),
      );
    expect(bytes('stdout').equals(MIXED_STDOUT)).toBe(true);
    expect(bytes('stderr').equals(MIXED_STDERR)).toBe(true);
    expect(events.at(-1)).toMatchObject({ type: 'end', status: 'completed', exitCode: 0 });
    expect(result.stderr.toString()).toBe('');
  });

  it('--json reports a refusal as an event, with status 126', async () => {
    const result = await ogent(['run', '--json', '-t', 'web-1', '--', 'rm', 'x'], env);
    expect(result.status).toBe(126);
    const [event] = result.stdout.toString().trimEnd().split('\n');
    expect(JSON.parse(event ?? '')).toMatchObject({ type: 'refused', rule: expect.any(String) });
  });
});

describe('ogent run: interruptions', () => {
  it('Ctrl+C cancels the remote command, leaves nothing running, and exits 130', async () => {
    const child = spawnOgent(['run', '-t', 'web-1', '--', 'sleep', '4711'], env);
    await vi.waitFor(() => expect(pgrep(cli.sshd.username, 'sleep -- 4711')).toHaveLength(1), {
      timeout: 15_000,
      interval: 100,
    });
    child.kill('SIGINT');
    const result = await child.finished;
    expect(result.status).toBe(130);
    expect(pgrep(cli.sshd.username, 'sleep -- 4711')).toEqual([]);
    const { items } = await listExecutions('4711');
    expect(items[0]).toMatchObject({ status: 'cancelled' });
  });

  it('stdout closed early (| head -1) cancels the command, as SIGPIPE would, without a trace', async () => {
    const child = spawnOgent(['run', '-t', 'web-1', '--', 'emit', '100000', '1'], env, {
      onStdout: () => child.stdout?.destroy(),
    });
    await vi.waitFor(() => expect(pgrep(cli.sshd.username, 'emit.sh 100000')).toHaveLength(1), {
      timeout: 15_000,
      interval: 100,
    });
    const result = await child.finished;
    expect(result.status).toBe(128 + 13);
    expect(result.stderr.toString()).not.toMatch(/ogent:|^\s+at /m);
    await vi.waitFor(() => expect(pgrep(cli.sshd.username, 'emit.sh 100000')).toEqual([]), {
      timeout: 10_000,
      interval: 100,
    });
  });

  it('a connection dropped mid-stream resumes: nothing lost, nothing repeated', async () => {
    const proxy = await dropProxy(new URL(cli.url).port, [150_000, 450_000]);
    try {
      const result = await ogent(['run', '-t', 'web-1', '--', 'emit', '60000'], {
        ...env,
        OGENT_URL: proxy.url,
      });
      expect(proxy.dropped).toBe(2);
      expect(result.status).toBe(0);
      const lines = Array.from({ length: 60000 }, (_, i) => i + 1);
      expect(result.stdout.toString()).toBe(lines.map((i) => `out ${i}\n`).join(''));
      expect(result.stderr.toString()).toBe(
        lines
          .filter((i) => i % 10 === 0)
          .map((i) => `err ${i}\n`)
          .join(''),
      );
    } finally {
      await proxy.close();
    }
  });
});

describe('ogent follow, history, cancel, targets', () => {
  it('follow replays a finished execution with its exit status', async () => {
    const run = await ogent(['run', '--json', '-t', 'web-1', '--', 'mixed'], env);
    const { executionId } = JSON.parse(run.stdout.toString().split('\n')[0] ?? '') as {
      executionId: string;
    };
    const result = await ogent(['follow', executionId], env);
    expect(result.status).toBe(0);
    expect(result.stdout.equals(MIXED_STDOUT)).toBe(true);
    expect(result.stderr.equals(MIXED_STDERR)).toBe(true);
    const failing = await ogent(['run', '--json', '-t', 'web-1', '--', 'exitwith', '7'], env);
    const failed = JSON.parse(failing.stdout.toString().split('\n')[0] ?? '') as {
      executionId: string;
    };
    expect((await ogent(['follow', failed.executionId], env)).status).toBe(7);
  });

  it('follow watches a live execution to its end', async () => {
    const executionId = await execute('emit 30 1');
    const result = await ogent(['follow', executionId], env);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toBe(
      Array.from({ length: 30 }, (_, i) => `out ${i + 1}\n`).join(''),
    );
    expect(result.stderr.toString()).toBe('err 10\nerr 20\nerr 30\n');
  });

  it('cancel stops a running execution on the target', async () => {
    const executionId = await execute('sleep 4712');
    await vi.waitFor(() => expect(pgrep(cli.sshd.username, 'sleep -- 4712')).toHaveLength(1), {
      timeout: 15_000,
      interval: 100,
    });
    const result = await ogent(['cancel', executionId], env);
    expect(result.status).toBe(0);
    expect(result.stdout.toString()).toBe(`cancelled ${executionId}\n`);
    await vi.waitFor(() => expect(pgrep(cli.sshd.username, 'sleep -- 4712')).toEqual([]), {
      timeout: 10_000,
      interval: 100,
    });
    const again = await ogent(['cancel', executionId], env);
    expect(again.status).toBe(1);
    expect(again.stderr.toString()).toBe(`ogent: ${executionId} is not running (cancelled)\n`);
  });

  it('history lists executions, newest first', async () => {
    await ogent(['run', '-t', 'web-1', '--', 'exitwith', '5'], env);
    const result = await ogent(['history', '-n', '3'], env);
    expect(result.status).toBe(0);
    const [header, newest] = result.stdout.toString().split('\n');
    expect(header).toMatch(/^WHEN \(UTC\)\s+ID\s+USER\s+TARGET\s+STATUS\s+EXIT/);
    // The command as recorded: each argument of `ogent run` a quoted literal word.
    expect(newest).toMatch(/alice\s+web-1\s+completed\s+5\s+.*exitwith '5'$/);
    const json = await ogent(['history', '--json', '-n', '1', '--search', "exitwith '5'"], env);
    expect(JSON.parse(json.stdout.toString())).toMatchObject({
      input: "exitwith '5'",
      exitCode: 5,
    });
  });

  it('targets lists the targets with the commands allowed on each', async () => {
    const result = await ogent(['targets'], env);
    expect(result.status).toBe(0);
    const text = result.stdout.toString();
    expect(text).toMatch(/^web-1 {2}Web 1 {2}\(ssh\)$/m);
    expect(text).toMatch(/^ {2}ls \[-l\] \[-a\] \[-la\] \[ARG \.\.\.\]$/m);
    // Usage with the value range the policy allows.
    expect(text).toMatch(/^ {2}exitwith N \(0-255\)$/m);
  });
});

async function listExecutions(search: string): Promise<{ items: { status: string }[] }> {
  const input = encodeURIComponent(JSON.stringify({ search, limit: 1 }));
  const response = await fetch(`${cli.url}/trpc/exec.list?input=${input}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return ((await response.json()) as { result: { data: { items: { status: string }[] } } }).result
    .data;
}

/**
 * A TCP proxy in front of the server that cuts every connection, as a network failure would,
 * each time the bytes sent to the client cross one of `dropAt`.
 */
async function dropProxy(
  port: string,
  dropAt: number[],
): Promise<{ url: string; readonly dropped: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let forwarded = 0;
  let dropped = 0;
  const thresholds = [...dropAt];
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), '127.0.0.1');
    sockets.add(client).add(upstream);
    const forget = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      forwarded += chunk.length;
      client.write(chunk);
      const next = thresholds[0];
      if (next !== undefined && forwarded >= next) {
        thresholds.shift();
        dropped += 1;
        for (const socket of sockets) socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    get dropped() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
