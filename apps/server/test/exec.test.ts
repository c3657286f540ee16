import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pgrep } from '@ogent/executor/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestStack, startTestStack } from '../src/testing/index.js';
import { signedIn, trpcError, watch } from './helpers.js';

let stack: TestStack;
let alice: Awaited<ReturnType<typeof signedIn>>;
let bob: Awaited<ReturnType<typeof signedIn>>;
let admin: Awaited<ReturnType<typeof signedIn>>;

beforeAll(async () => {
  stack = await startTestStack();
  [alice, bob, admin] = await Promise.all([
    signedIn(stack, 'alice'),
    signedIn(stack, 'bob'),
    signedIn(stack, 'admin'),
  ]);
});

afterAll(async () => {
  await Promise.all([alice?.close(), bob?.close(), admin?.close()]);
  await stack?.stop();
});

const seqOutput = (n: number): Buffer =>
  execFileSync('/usr/bin/seq', ['1', String(n)], { maxBuffer: 1 << 30 });

describe('typed client: execute and watch', () => {
  it('runs an allowed command on the ssh target and streams its output, then the end', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'web-1',
      command: 'echo hello world',
    });
    const result = await watch(alice, executionId);
    expect(result.stdout.toString()).toBe('hello world\n');
    expect(result.end).toMatchObject({
      type: 'end',
      status: 'completed',
      exitCode: 0,
      truncated: false,
    });
    expect(result.end.execTime).toEqual(expect.any(Number));
  });

  it('keeps stdout and stderr apart, in order', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'web-1',
      command: 'emit 30',
    });
    const result = await watch(alice, executionId);
    const lines = (n: number, prefix: string, every = 1): string =>
      Array.from({ length: n }, (_, i) => i + 1)
        .filter((i) => i % every === 0)
        .map((i) => `${prefix} ${i}\n`)
        .join('');
    expect(result.stdout.toString()).toBe(lines(30, 'out'));
    expect(result.stderr.toString()).toBe(lines(30, 'err', 10));
  });

  it('refuses what the policy does not allow, with the reason, and records the denial', async () => {
    const error = await trpcError(
      alice.trpc.exec.execute.mutate({ target: 'web-1', command: 'ls; id' }),
    );
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toBe('Command not permitted');
    const refusal = (
      error.data as { refusal: { reason: string; executionId: string; rule: string } }
    ).refusal;
    expect(refusal.reason).toContain('command separator');
    expect(refusal.rule).toBe('input.syntax');
    const record = await alice.trpc.exec.byId.query({ executionId: refusal.executionId });
    expect(record).toMatchObject({
      status: 'refused',
      decision: 'refused',
      input: 'ls; id',
      refusalCode: 'shell_syntax',
    });
  });

  it('an unknown target is NOT_FOUND and still audited', async () => {
    const error = await trpcError(
      alice.trpc.exec.execute.mutate({ target: 'nope', command: 'echo x' }),
    );
    expect(error.code).toBe('NOT_FOUND');
    const { items } = await alice.trpc.exec.list.query({ target: 'nope' });
    expect(items[0]).toMatchObject({ status: 'refused', refusalCode: 'unknown_target' });
  });

  it('resumes after a dropped socket with nothing lost or doubled', async () => {
    const n = 600_000; // about 4 MB of lines
    const expected = seqOutput(n);
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'web-1',
      command: `seq 1 ${n}`,
    });
    let drops = 0;
    const result = await watch(alice, executionId, {
      onMessage: (_message, id) => {
        // Drop the connection three times mid-stream.
        if (drops < 3 && Number(id) > (drops + 1) * 10) {
          drops += 1;
          alice.dropConnection();
        }
      },
    });
    expect(drops).toBe(3);
    expect(result.stdout.length).toBe(expected.length);
    expect(createHash('sha256').update(result.stdout).digest('hex')).toBe(
      createHash('sha256').update(expected).digest('hex'),
    );
    const numbers = result.ids.map(Number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('a finished execution replays from any point: exactly the events after lastEventId', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'emit 50',
    });
    // Messages seen live may be merged differently in a replay (ids then skip numbers): what
    // must match is the output after the given event, stream by stream, and its order.
    const messages: { id: string; stream: string; data: Buffer }[] = [];
    await watch(alice, executionId, {
      onMessage: (message, id) => {
        if (message.type === 'output')
          messages.push({ id, stream: message.stream, data: Buffer.from(message.data) });
      },
    });
    const cut = Math.floor(messages.length / 2);
    const middle = messages[cut - 1]?.id ?? '0';
    const after = messages.slice(cut);
    const rest = await watch(alice, executionId, { lastEventId: middle });
    const bytesOf = (stream: string): Buffer =>
      Buffer.concat(after.filter((m) => m.stream === stream).map((m) => m.data));
    expect(rest.stdout.equals(bytesOf('stdout'))).toBe(true);
    expect(rest.stderr.equals(bytesOf('stderr'))).toBe(true);
    const ids = rest.ids.map(Number);
    expect(ids[0]).toBeGreaterThan(Number(middle));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
  });

  it('cancel stops the remote command and leaves nothing running', async () => {
    const seconds = String(300 + Math.floor(Math.random() * 200));
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'web-1',
      command: `sleep ${seconds}`,
    });
    const watching = watch(alice, executionId);
    const sshdUser = stack.sshd?.username ?? '';
    await vi.waitFor(() => expect(pgrep(sshdUser, `^/bin/sleep -- ${seconds}$`)).toHaveLength(1), {
      timeout: 5_000,
    });
    const cancelled = await alice.trpc.exec.cancel.mutate({ executionId });
    expect(cancelled.cancelled).toBe(true);
    const result = await watching;
    expect(result.end.status).toBe('cancelled');
    await vi.waitFor(() => expect(pgrep(sshdUser, `^/bin/sleep -- ${seconds}$`)).toEqual([]), {
      timeout: 5_000,
    });
  });

  it('an execution goes on when nobody watches', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'seq 1 1000',
    });
    await vi.waitFor(async () =>
      expect((await alice.trpc.exec.byId.query({ executionId })).status).toBe('completed'),
    );
    const result = await watch(alice, executionId);
    expect(result.stdout.equals(seqOutput(1000))).toBe(true);
  });

  it('an idempotency key makes a retried request return the same execution, run once', async () => {
    const key = `key-${Date.now()}`;
    const first = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'echo once',
      idempotencyKey: key,
    });
    const again = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'echo once',
      idempotencyKey: key,
    });
    expect(again.executionId).toBe(first.executionId);
    const { items } = await alice.trpc.exec.list.query({ search: 'echo once' });
    expect(items).toHaveLength(1);
  });

  it('binary output reaches the client byte for byte', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'web-1',
      command: 'head -c 300000 /dev/urandom',
    });
    const result = await watch(alice, executionId);
    expect(result.stdout.length).toBe(300_000);
    // urandom is not UTF-8: stored bytes and streamed bytes must agree.
    const response = await fetch(`${stack.url}/api/executions/${executionId}/output`, {
      headers: { authorization: `Bearer ${alice.token}` },
    });
    expect(Buffer.from(await response.arrayBuffer()).equals(result.stdout)).toBe(true);
  });
});

describe('who sees what', () => {
  it('a user sees and cancels only their own executions; admin sees all', async () => {
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'sleep 30',
    });
    expect((await trpcError(bob.trpc.exec.byId.query({ executionId }))).code).toBe('NOT_FOUND');
    expect((await trpcError(bob.trpc.exec.cancel.mutate({ executionId }))).code).toBe('NOT_FOUND');
    expect((await trpcError(watch(bob, executionId))).code).toBe('NOT_FOUND');
    const bobsList = await bob.trpc.exec.list.query({});
    expect(bobsList.items.every((e) => e.username === 'bob')).toBe(true);
    expect((await admin.trpc.exec.byId.query({ executionId })).username).toBe('alice');
    expect((await admin.trpc.exec.cancel.mutate({ executionId })).cancelled).toBe(true);
    await vi.waitFor(async () =>
      expect((await alice.trpc.exec.byId.query({ executionId })).status).toBe('cancelled'),
    );
  });

  it('targets.list shows only permitted targets and their commands', async () => {
    const viewer = await signedIn(stack, 'viewer');
    try {
      const targets = await viewer.trpc.targets.list.query();
      expect(targets.map((t) => t.id)).toEqual(['local']);
      expect(targets[0]?.commands.map((c) => c.name)).toEqual(['echo', 'ls']);
      const error = await trpcError(
        viewer.trpc.exec.execute.mutate({ target: 'web-1', command: 'echo hi' }),
      );
      expect(error.code).toBe('FORBIDDEN');
    } finally {
      await viewer.close();
    }
  });

  it('paginates history newest first', async () => {
    for (let i = 0; i < 5; i += 1) {
      await trpcError(bob.trpc.exec.execute.mutate({ target: 'local', command: `rm page-${i}` }));
    }
    const first = await bob.trpc.exec.list.query({ limit: 3, search: 'rm page-' });
    expect(first.items.map((e) => e.input)).toEqual(['rm page-4', 'rm page-3', 'rm page-2']);
    const second = await bob.trpc.exec.list.query({
      limit: 3,
      search: 'rm page-',
      cursor: first.nextCursor,
    });
    expect(second.items.map((e) => e.input)).toEqual(['rm page-1', 'rm page-0']);
    expect(second.nextCursor).toBeNull();
  });
});

describe('validation', () => {
  it('rejects malformed input with BAD_REQUEST and the issues', async () => {
    const error = await trpcError(alice.trpc.exec.byId.query({ executionId: 'not-a-uuid' }));
    expect(error.code).toBe('BAD_REQUEST');
    const { executionId } = await alice.trpc.exec.execute.mutate({
      target: 'local',
      command: 'echo x',
    });
    const bad = await trpcError(watch(alice, executionId, { lastEventId: 'x' }));
    expect(bad.code).toBe('BAD_REQUEST');
    expect(bad.message).toContain('Invalid lastEventId');
  });
});
